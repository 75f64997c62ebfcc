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

/**
 * Converts a value to the text COPY will load for a column of `type`, or reports it does not
 * fit (`undefined`). Used for declared column types, where the source promised a type.
 */
export function coerce(value: unknown, type: ColumnType): { ok: true; value: unknown } | { ok: false } {
  if (value === null || value === undefined) return { ok: true, value: null };
  // Text keeps an empty string as sent; in a typed column an empty string means "no value".
  if (value === "" && type !== "text") return { ok: true, value: null };
  switch (type) {
    case "text":
      return {
        ok: true,
        value: typeof value === "object" && !(value instanceof Date) ? JSON.stringify(value) : value,
      };
    case "jsonb":
      return { ok: true, value: typeof value === "string" ? JSON.stringify(value) : value };
    case "bigint":
      if (typeof value === "number" && Number.isSafeInteger(value)) return { ok: true, value };
      if (typeof value === "bigint") return { ok: true, value };
      if (typeof value === "string" && BIGINT.test(value.trim())) return { ok: true, value: value.trim() };
      return { ok: false };
    case "numeric":
    case "double":
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === "bigint") return { ok: true, value };
      if (typeof value === "string" && NUMERIC.test(value.trim())) return { ok: true, value: value.trim() };
      return { ok: false };
    case "boolean":
      if (typeof value === "boolean") return { ok: true, value };
      if (value === "true" || value === "false") return { ok: true, value: value === "true" };
      return { ok: false };
    case "timestamptz": {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? { ok: false } : { ok: true, value };
      if (typeof value === "number") return { ok: true, value: new Date(value * 1000) }; // unix seconds
      if (typeof value === "string" && !Number.isNaN(Date.parse(normalizeTimestamp(value)))) {
        return { ok: true, value: new Date(Date.parse(normalizeTimestamp(value))) };
      }
      return { ok: false };
    }
    case "date":
      if (typeof value === "string" && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) {
        return { ok: true, value };
      }
      return { ok: false };
  }
}

/** Salesforce writes `+0000` offsets, which Date.parse does not take everywhere. */
function normalizeTimestamp(s: string): string {
  return s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}
