export { zendeskWriteClient } from "./client.js";
export { ZendeskDestination } from "./destination.js";
export { zendeskMeanings } from "./meanings.js";
