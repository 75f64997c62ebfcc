import { Bool, Utf8, type RecordBatch } from "apache-arrow";
import type { CopyValue, EncodedChunk } from "../interfaces.js";

/**
 * Encodes rows in PostgreSQL's COPY text format: tab-separated, newline-terminated, `\N` for
 * NULL, backslash escapes for the four characters that would break the framing. Text format is
 * the cheapest for the server to parse, and one string per batch keeps the write calls few.
 */
export class CopyEncodeError extends Error {
  constructor(
    readonly column: string,
    readonly rowIndex: number,
    reason: string,
  ) {
    super(`row ${rowIndex}, column ${column}: ${reason}`);
    this.name = "CopyEncodeError";
  }
}

// One scan finds both what must be escaped and the NUL that text columns cannot hold.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const NEEDS_CARE = /[\\\t\n\r\u0000]/;

function escapeText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

export function encodeValue(value: CopyValue, column: string, rowIndex: number): string {
  if (value === null || value === undefined) return "\\N";
  let text: string;
  switch (typeof value) {
    case "string":
      text = value;
      break;
    case "number":
      text = Number.isFinite(value)
        ? String(value)
        : Number.isNaN(value)
          ? "NaN"
          : value > 0
            ? "Infinity"
            : "-Infinity";
      return text;
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "t" : "f";
    case "object":
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new CopyEncodeError(column, rowIndex, "invalid Date");
        return value.toISOString();
      }
      text = JSON.stringify(value);
      break;
    default:
      throw new CopyEncodeError(column, rowIndex, `unsupported value of type ${typeof value}`);
  }
  if (!NEEDS_CARE.test(text)) return text;
  // Postgres text columns cannot hold NUL; say so instead of letting COPY fail the whole batch.
  if (text.includes("\u0000"))
    throw new CopyEncodeError(column, rowIndex, "contains a NUL character (\\u0000)");
  return escapeText(text);
}

export function encodeBatch(
  rows: readonly (readonly CopyValue[])[],
  columns: readonly string[],
  firstRowIndex: number,
): string {
  const width = columns.length;
  const parts: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== width) {
      throw new CopyEncodeError("*", firstRowIndex + r, `has ${row.length} values for ${width} columns`);
    }
    let line = "";
    for (let c = 0; c < width; c++) {
      if (c > 0) line += "\t";
      line += encodeValue(row[c], columns[c]!, firstRowIndex + r);
    }
    parts[r] = line;
  }
  return parts.length === 0 ? "" : parts.join("\n") + "\n";
}

const NUL = 0x00;
const BACKSLASH = 0x5c;
// COPY text escapes: each byte that would break the framing, and the letter after its backslash.
const ESCAPES: readonly [number, number][] = [
  [BACKSLASH, BACKSLASH],
  [0x09, 0x74], // \t
  [0x0a, 0x6e], // \n
  [0x0d, 0x72], // \r
];
const ESCAPE = new Uint8Array(256);
for (const [byte, letter] of ESCAPES) ESCAPE[byte] = letter;
// The bytes that send a column down the careful path: those escaped, and NUL (refused).
const CARE_BYTES = [...ESCAPES.map(([byte]) => byte), NUL];

type CopyColumn =
  | {
      kind: "utf8";
      name: string;
      src: Buffer;
      offsets: Int32Array;
      base: number;
      valid?: Uint8Array;
      careful: boolean;
    }
  | { kind: "bool"; name: string; values: ArrayLike<unknown> };

/** Whether value i of a Utf8 column is NULL (its validity bit clear). */
const utf8Null = (c: Extract<CopyColumn, { kind: "utf8" }>, i: number): boolean => {
  const j = c.base + i;
  return c.valid !== undefined && !(c.valid[j >> 3]! & (1 << (j & 7)));
};

/**
 * PostgreSQL COPY text straight from the batch's Arrow buffers: UTF-8 bytes are copied as they
 * are (the escapes are all ASCII), so no JS string is made per value and nothing is re-encoded
 * on the way to the socket. The load's batches hold only Utf8 and Bool columns (load/arrow.ts).
 */
export function* copyTextOf(
  batch: RecordBatch,
  columns: readonly string[],
  chunk = 5000,
): Generator<EncodedChunk> {
  const cols: CopyColumn[] = columns.map((name) => {
    const child = batch.getChild(name);
    if (!child) throw new Error(`batch has no column ${name}`);
    if (child.type instanceof Utf8 && child.data.length === 1) {
      const d = child.data[0]!;
      const src = Buffer.from(d.values.buffer, d.values.byteOffset, d.values.byteLength);
      const from = d.valueOffsets[d.offset]!;
      const to = d.valueOffsets[d.offset + d.length]!;
      const span = src.subarray(from, to);
      // One native scan per byte value decides whether this column needs the careful path.
      const careful = CARE_BYTES.some((b) => span.indexOf(b) !== -1);
      return {
        kind: "utf8",
        name,
        src,
        offsets: d.valueOffsets,
        base: d.offset,
        valid: d.nullCount > 0 ? d.nullBitmap : undefined,
        careful,
      };
    }
    if (!(child.type instanceof Bool))
      throw new Error(`column ${name} is ${String(child.type)}, not Utf8 or Bool`);
    return { kind: "bool", name, values: child.toArray() as ArrayLike<unknown> };
  });
  const n = batch.numRows;
  const width = cols.length;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    // Pass 1: the exact size (separators, values, escapes, \N for NULL).
    let size = (end - start) * width;
    for (const c of cols) {
      if (c.kind === "bool") {
        for (let i = start; i < end; i++) size += c.values[i] === null || c.values[i] === undefined ? 2 : 1;
        continue;
      }
      for (let i = start; i < end; i++) {
        if (utf8Null(c, i)) {
          size += 2;
          continue;
        }
        const j = c.base + i;
        const a = c.offsets[j]!;
        const b = c.offsets[j + 1]!;
        size += b - a;
        if (c.careful) {
          for (let k = a; k < b; k++) {
            const byte = c.src[k]!;
            if (ESCAPE[byte]) size++;
            else if (byte === NUL) {
              throw new CopyEncodeError(c.name, i, "contains a NUL character (\\u0000)");
            }
          }
        }
      }
    }
    // Pass 2: the bytes.
    const out = Buffer.allocUnsafe(size);
    let p = 0;
    for (let i = start; i < end; i++) {
      for (let ci = 0; ci < width; ci++) {
        if (ci > 0) out[p++] = 0x09;
        const c = cols[ci]!;
        if (c.kind === "bool") {
          const v = c.values[i];
          if (v === null || v === undefined) {
            out[p++] = BACKSLASH;
            out[p++] = 0x4e; // N
          } else out[p++] = v ? 0x74 : 0x66; // t / f
          continue;
        }
        if (utf8Null(c, i)) {
          out[p++] = BACKSLASH;
          out[p++] = 0x4e; // N
          continue;
        }
        const j = c.base + i;
        const a = c.offsets[j]!;
        const b = c.offsets[j + 1]!;
        if (c.careful) {
          for (let k = a; k < b; k++) {
            const byte = c.src[k]!;
            const e = ESCAPE[byte]!;
            if (e) {
              out[p++] = BACKSLASH;
              out[p++] = e;
            } else out[p++] = byte;
          }
        } else if (b - a < 16) {
          for (let k = a; k < b; k++) out[p++] = c.src[k]!;
        } else {
          c.src.copy(out, p, a, b);
          p += b - a;
        }
      }
      out[p++] = 0x0a;
    }
    yield { encoded: out, rows: end - start };
  }
}
