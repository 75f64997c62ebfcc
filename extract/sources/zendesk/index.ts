export { zendeskSource } from "./source.js";
export { zendeskClient } from "./client.js";
