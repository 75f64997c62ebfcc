import { materialize } from "./materialize.js";
import type { ModelStatements } from "../statements/models.js";

export const postgresModelStatements: ModelStatements = {
  // A 64-bit hash of each row's text, summed as numeric (no overflow, any order).
  contentChecksum: (table, columns) =>
    `SELECT count(*) AS n, CAST(coalesce(sum(CAST(hashtextextended(CAST(ROW(${columns.join(", ")}) AS text), 0) AS numeric)), 0) AS text) AS checksum FROM ${table}`,
  materialize,
};
