export { salesforceWriteClient } from "./client.js";
export { SalesforceDestination } from "./destination.js";
