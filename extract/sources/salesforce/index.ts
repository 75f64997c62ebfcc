export { salesforceSource } from "./source.js";
export { ApiBudget, salesforceClient, parseLimitInfo } from "./client.js";
export { soqlWhere, soqlDateTime, type SalesforceCursor } from "./incremental.js";
