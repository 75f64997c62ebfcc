/** Vendor value formats, exactly as each API renders them. */

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Salesforce datetime: 2026-03-01T10:00:00.000+0000 */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function unix(ms: number): number {
  return Math.floor(ms / 1000);
}

/** NetSuite default date preference: M/D/YYYY. */
export function nsDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
}

/** NetSuite default datetime: M/D/YYYY h:mm am (no seconds). */
export function nsDateTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const ampm = h < 12 ? "am" : "pm";
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${nsDate(ms)} ${h12}:${pad(d.getUTCMinutes())} ${ampm}`;
}

/** Legacy ERP: DD.MM.YYYY */
export function erpDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
}

export const ZERO_DECIMAL = new Set(["JPY", "KRW", "VND", "CLP", "XAF", "XOF"]);

export function exponent(currency: string): number {
  return ZERO_DECIMAL.has(currency.toUpperCase()) ? 0 : 2;
}

/** Minor units → decimal string with a dot (NetSuite) — exact integer arithmetic. */
export function major(minor: number, currency: string): string {
  const e = exponent(currency);
  if (e === 0) return String(minor);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`;
}

/** Minor units → decimal comma (legacy ERP), no thousands separator. */
export function majorComma(minor: number, currency: string): string {
  return major(minor, currency).replace(".", ",");
}
