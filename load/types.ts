import type { ColumnType } from "../warehouse/interfaces.js";

/**
 * Type inference and widening. JSON strings stay text, always: ids and codes made of digits
 * (`"000123"`, Zendesk-style long ids sent as strings) must never become numbers. JSON numbers
 * become bigint when integral and safe, else numeric (exact decimal text). Types widen along
 * bigint → numeric → text and boolean/timestamptz/date → text, and anything → jsonb for
 * objects/arrays; they never narrow.
 */
export function inferType(value: unknown): ColumnType | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case "string":
      return "text";
    case "boolean":
      return "boolean";
    case "number":
      return Number.isSafeInteger(value) ? "bigint" : "numeric";
    case "bigint":
      return "bigint";
    case "object":
      return value instanceof Date ? "timestamptz" : "jsonb";
    default:
      return "text";
  }
}

/** The narrowest type that holds values of both types. */
export function widen(a: ColumnType | undefined, b: ColumnType | undefined): ColumnType | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  if (a === "jsonb" || b === "jsonb") return "jsonb";
  const numeric = new Set<ColumnType>(["bigint", "numeric", "double"]);
  if (numeric.has(a) && numeric.has(b)) return a === "double" || b === "double" ? "double" : "numeric";
  if ((a === "date" && b === "timestamptz") || (a === "timestamptz" && b === "date")) return "timestamptz";
  return "text";
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const BIGINT = /^-?\d{1,18}$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** What `coerce` returns for a value that does not fit its column. */
export const DOES_NOT_FIT: unique symbol = Symbol("does not fit");

/** A value as its Arrow column holds it: text (exact decimals, ISO timestamps, JSON) or a boolean. */
export type ColumnValue = string | boolean | null;

/**
 * Converts a value to what its column of `type` holds (the text COPY will load, or a boolean),
 * or reports that it does not fit. Used for declared column types, where the source promised a
 * type. Called for every value of every batch: it returns the value itself, or a sentinel, and
 * allocates no result object.
 */
export function coerce(value: unknown, type: ColumnType): ColumnValue | typeof DOES_NOT_FIT {
  if (value === null || value === undefined) return null;
  // Text keeps an empty string as sent; in a typed column an empty string means "no value".
  if (value === "" && type !== "text") return null;
  switch (type) {
    case "text":
      if (typeof value === "string") return value;
      if (value instanceof Date) return value.toISOString();
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    case "jsonb":
      return typeof value === "bigint" ? String(value) : JSON.stringify(value);
    case "bigint":
      if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
      if (typeof value === "bigint") return String(value);
      if (typeof value === "string" && BIGINT.test(value.trim())) return value.trim();
      return DOES_NOT_FIT;
    case "numeric":
    case "double":
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      if (typeof value === "bigint") return String(value);
      if (typeof value === "string" && NUMERIC.test(value.trim())) return value.trim();
      return DOES_NOT_FIT;
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      return DOES_NOT_FIT;
    case "timestamptz": {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? DOES_NOT_FIT : value.toISOString();
      if (typeof value === "number") return new Date(value * 1000).toISOString(); // unix seconds
      if (typeof value === "string") {
        const ms = Date.parse(normalizeTimestamp(value));
        if (!Number.isNaN(ms)) return new Date(ms).toISOString();
      }
      return DOES_NOT_FIT;
    }
    case "date":
      if (typeof value === "string" && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) {
        return value;
      }
      return DOES_NOT_FIT;
  }
}

/** Salesforce writes `+0000` offsets, which Date.parse does not take everywhere. */
function normalizeTimestamp(s: string): string {
  return s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

/** A NUL, or half of a UTF-16 surrogate pair with no other half: no warehouse text can hold either. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a record holds text no warehouse can store, and what it is; undefined when it holds none. */
export function unstorableText(value: unknown, path = ""): { field: string; reason: string } | undefined {
  if (typeof value === "string") {
    const m = UNSTORABLE.exec(value);
    if (!m) return undefined;
    const what =
      m[0] === "\u0000"
        ? "a NUL character (U+0000)"
        : `a lone UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}), which is not valid Unicode`;
    return { field: path || "(value)", reason: `${what} at character ${m.index + 1}` };
  }
  if (typeof value !== "object" || value === null || value instanceof Date) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorableText(value[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const key in value) {
    const at = path ? `${path}.${key}` : key;
    const inName = unstorableText(key, at);
    if (inName) return { field: at, reason: `its name holds ${inName.reason}` };
    const bad = unstorableText((value as Record<string, unknown>)[key], at);
    if (bad) return bad;
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex -- as UNSTORABLE, globally
const UNSTORABLE_ALL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A copy of a value that the warehouse can store: each NUL or lone surrogate written as the
 * six characters of its JSON escape (`\u0000`, `\ud800`). For the rejects table's copy of a
 * rejected record only; loaded data is never altered.
 */
export function storableCopy(value: unknown): unknown {
  if (typeof value === "string")
    return value.replace(UNSTORABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(storableCopy);
  const out: Record<string, unknown> = {};
  for (const key in value)
    out[storableCopy(key) as string] = storableCopy((value as Record<string, unknown>)[key]);
  return out;
}
