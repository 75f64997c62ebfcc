export { salesforceSource } from "./source.js";
export { salesforceClient, parseLimitInfo } from "./client.js";
