import type { CopyValue } from "../interfaces.js";

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
