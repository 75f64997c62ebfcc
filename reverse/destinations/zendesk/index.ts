export { zendeskWriteClient } from "./client.js";
export { ZendeskDestination } from "./destination.js";
