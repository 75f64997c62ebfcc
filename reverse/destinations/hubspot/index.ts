export { hubspotWriteClient } from "./client.js";
export { HubspotDestination } from "./destination.js";
