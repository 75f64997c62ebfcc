import type { ExtractStatements } from "../statements/extract.js";
import { fileLoadBinds } from "../statements/extract.js";

export const snowflakeExtractStatements: ExtractStatements = {
  async recordFileLoad(db, table, f) {
    // No ON CONFLICT (and no enforced primary key): the row is tested for first.
    await db.query(
      `INSERT INTO "trueup"."${table}" ("source", "file_name", "checksum", "stream", "rows", "rejects", "run_id")
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM "trueup"."${table}"
          WHERE "source" = $1 AND "file_name" = $2 AND "checksum" = $3 AND "stream" = $4)`,
      fileLoadBinds(f),
    );
  },
};
