import type { WarehouseSession } from "../interfaces.js";
import { postgresExtractStatements } from "../postgres/extract-statements.js";
import { snowflakeExtractStatements } from "../snowflake/extract-statements.js";

/**
 * The statements of extraction's own bookkeeping whose text differs between warehouses; each
 * warehouse implements them in `<dialect>/extract-statements.ts`.
 */
export interface ExtractStatements {
  /**
   * A file as loaded into the file ledger (`trueup.file_loads`, or `file_loads_pending` during a
   * full refresh), once per source, name, checksum and stream: a row already there is left alone.
   */
  recordFileLoad(
    db: WarehouseSession,
    table: "file_loads" | "file_loads_pending",
    f: FileLoadRow,
  ): Promise<void>;
}

export interface FileLoadRow {
  source: string;
  file: string;
  checksum: string;
  stream: string;
  rows: number;
  rejects: number;
  runId: string;
}

/** The file ledger's binds, in the order every warehouse's text numbers them ($1…). */
export function fileLoadBinds(f: FileLoadRow): unknown[] {
  return [f.source, f.file, f.checksum, f.stream, f.rows, f.rejects, f.runId];
}

/** The extract statements for the warehouse a session is on: the one place that asks which. */
export function extractStatements(session: Pick<WarehouseSession, "dialect">): ExtractStatements {
  return session.dialect === "snowflake" ? snowflakeExtractStatements : postgresExtractStatements;
}
