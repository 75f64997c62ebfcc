/** The SQL helpers of each warehouse live with the warehouse; models and rules reach them here. */
export { sqlDialect } from "../warehouse/statements/sql-dialect.js";
