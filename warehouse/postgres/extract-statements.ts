import type { ExtractStatements } from "../statements/extract.js";
import { fileLoadBinds } from "../statements/extract.js";

export const postgresExtractStatements: ExtractStatements = {
  async recordFileLoad(db, table, f) {
    await db.query(
      `INSERT INTO trueup.${table} (source, file_name, checksum, stream, rows, rejects, run_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      fileLoadBinds(f),
    );
  },
};
