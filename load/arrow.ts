import { Bool, Field, RecordBatch, Schema, Table, Utf8, vectorFromArray, type DataType } from "apache-arrow";
import type { ColumnType, CopyValue } from "../warehouse/interfaces.js";
import type { LoadBatch } from "./interfaces.js";

/**
 * Batches travel from source to COPY as Arrow record batches. Every column is Utf8 except
 * booleans: exact decimals, 64-bit ids and timestamps keep their exact text (no float on the
 * way), and the logical warehouse type rides along in the field metadata.
 */
function arrowType(type: ColumnType): DataType {
  return type === "boolean" ? new Bool() : new Utf8();
}

function toArrowValue(value: unknown, type: ColumnType): string | boolean | null {
  if (value === null || value === undefined) return null;
  if (type === "boolean") return Boolean(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Builds one Arrow record batch from column-major values. */
export function toLoadBatch(columns: { name: string; type: ColumnType; values: unknown[] }[]): LoadBatch {
  const vectors: Record<string, unknown> = {};
  const fields: Field[] = [];
  const types: Record<string, ColumnType> = {};
  for (const c of columns) {
    const t = arrowType(c.type);
    vectors[c.name] = vectorFromArray(c.values.map((v) => toArrowValue(v, c.type)) as never, t as never);
    fields.push(new Field(c.name, t, true, new Map([["trueup.type", c.type]])));
    types[c.name] = c.type;
  }
  const table = new Table(new Schema(fields), vectors as never);
  const arrow = table.batches[0] ?? new RecordBatch(new Schema(fields));
  return { arrow, types };
}

/** Row-major values of a batch, for COPY. Columns are taken once, then read by index. */
export function* rowsOf(
  batch: LoadBatch,
  columns: readonly string[],
  chunk = 5000,
): Generator<CopyValue[][]> {
  const arrays = columns.map((name) => {
    const child = batch.arrow.getChild(name);
    if (!child) throw new Error(`batch has no column ${name}`);
    return child.toArray() as ArrayLike<unknown>;
  });
  const n = batch.arrow.numRows;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const rows: CopyValue[][] = new Array(end - start);
    for (let i = start; i < end; i++) {
      const row: CopyValue[] = new Array(arrays.length);
      for (let c = 0; c < arrays.length; c++) row[c] = (arrays[c]![i] ?? null) as CopyValue;
      rows[i - start] = row;
    }
    yield rows;
  }
}
