import { createHash } from "node:crypto";

/**
 * Postgres silently truncates identifiers to 63 bytes (NAMEDATALEN - 1), so two long vendor
 * field names sharing a prefix would collide. Names that fit are kept as they are; longer ones
 * keep a readable prefix and end in a hash of the full name, so the mapping is deterministic
 * and every caller that uses the logical name reaches the same physical column.
 */
export const MAX_IDENTIFIER_BYTES = 63;

export function shortenIdentifier(name: string, maxBytes = MAX_IDENTIFIER_BYTES): string {
  if (name.length === 0) throw new Error("empty identifier");
  if (Buffer.byteLength(name, "utf8") <= maxBytes) return name;
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 10);
  const budget = maxBytes - hash.length - 1;
  let prefix = "";
  for (const ch of name) {
    if (Buffer.byteLength(prefix + ch, "utf8") > budget) break;
    prefix += ch;
  }
  return `${prefix}_${hash}`;
}

/** Double-quoted identifier with embedded quotes doubled; NUL is refused (no database accepts it). */
export function quoteIdentifier(name: string): string {
  if (name.includes("\u0000"))
    throw new Error(`identifier contains a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quoted SQL string literal (standard_conforming_strings on). */
export function quoteLiteral(value: string): string {
  if (value.includes("\u0000")) throw new Error("string literal contains a NUL character");
  return `'${value.replace(/'/g, "''")}'`;
}
