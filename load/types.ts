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
