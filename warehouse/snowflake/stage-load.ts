import { createWriteStream } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { CopyValue, RejectRecord } from "../interfaces.js";

/**
 * Rows → gzip CSV files for a Snowflake stage (PUT, then COPY INTO with the file format in
 * sql.ts): `"`-quoted text with `""` escapes, `\N` (unquoted) for NULL, JSON for objects, ISO
 * timestamps for dates. Files hold at most `rowsPerFile` rows so COPY loads them in parallel.
 */
export function csvField(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === "object") text = JSON.stringify(value);
  else if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  else if (typeof value === "number" || typeof value === "bigint") return String(value);
  else text = value;
  return `"${text.replace(/"/g, '""')}"`;
}

export interface StagedFile {
  file: string;
  /** Row index (in the input) of each line of the file, line 1 first. */
  firstRow: number;
  rows: number;
}

export async function writeStageFiles(
  dir: string,
  prefix: string,
  rows: AsyncIterable<readonly (readonly CopyValue[])[]> | Iterable<readonly (readonly CopyValue[])[]>,
  rowsPerFile = 100_000,
): Promise<StagedFile[]> {
  const files: StagedFile[] = [];
  let lines: string[] = [];
  let firstRow = 0;
  const flush = async () => {
    if (!lines.length) return;
    const file = path.join(dir, `${prefix}-${String(files.length).padStart(5, "0")}.csv.gz`);
    const gzip = createGzip();
    const done = pipeline(gzip, createWriteStream(file));
    gzip.end(lines.join("\n") + "\n");
    await done;
    files.push({ file, firstRow, rows: lines.length });
    firstRow += lines.length;
    lines = [];
  };
  for await (const batch of rows) {
    for (const row of batch) {
      lines.push(row.map(csvField).join(","));
      if (lines.length >= rowsPerFile) await flush();
    }
  }
  await flush();
  return files;
}

/** One row of `VALIDATE(table, JOB_ID => '_last')`. */
export interface ValidateRow {
  ERROR: string;
  FILE: string;
  LINE: number;
  COLUMN_NAME?: string | null;
  REJECTED_RECORD?: string | null;
}

/**
 * COPY's skipped rows as trueup rejects: the file and line lead back to the input row, so the
 * reject carries that row's own position (`file.csv:42`, `page 3`) and the column Snowflake named.
 */
export function rejectsFromValidate(
  rows: readonly ValidateRow[],
  files: readonly StagedFile[],
  positions: readonly (string | undefined)[],
): RejectRecord[] {
  return rows.map((r) => {
    const staged = files.find((f) => r.FILE.endsWith(path.basename(f.file)));
    const index = staged ? staged.firstRow + Number(r.LINE) - 1 : undefined;
    // Snowflake names the column as `"TABLE"["COLUMN":5]` (name, then its position in the file).
    const column = /\["?([^"\]:]+)"?:\d+\]$/.exec(r.COLUMN_NAME ?? "")?.[1];
    return {
      position: (index !== undefined ? positions[index] : undefined) ?? `${r.FILE}:${r.LINE}`,
      field: column || undefined,
      reason: `Snowflake COPY: ${r.ERROR}`,
      record: r.REJECTED_RECORD ?? undefined,
    };
  });
}
