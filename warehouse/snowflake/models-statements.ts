import { materialize } from "./materialize.js";
import type { ModelStatements } from "../statements/models.js";

export const snowflakeModelStatements: ModelStatements = {
  // HASH_AGG is order-independent and NULL-aware.
  contentChecksum: (table, columns) =>
    `SELECT count(*) AS "n", TO_VARCHAR(HASH_AGG(${columns.join(", ")})) AS "checksum" FROM ${table}`,
  materialize,
};
