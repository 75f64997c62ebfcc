/**
 * Value conversions for legacy-ERP CSV exports, where formats are set per file pattern:
 * decimal comma (`1.234,56`), day-first dates (`DD.MM.YYYY`). Each returns the canonical text
 * (`1234.56`, `2026-03-01`) or an error reason that names what was wrong.
 */
export type Converted = { ok: true; value: string | null } | { ok: false; reason: string };

/*
 * These run for every typed value of a file (two million calls for a million-row export), so they
 * scan characters instead of running three regular expressions and building a Date per value.
 */

const ZERO = 48;
const NINE = 57;
const isDigit = (c: number) => c >= ZERO && c <= NINE;

/**
 * `-?` digits with optional thousands separators, then optionally the decimal point and at least
 * one digit, nothing else: the canonical `-1234.56`, or undefined. At least one integer digit.
 */
function canonicalDecimal(s: string, point: number, separators: readonly number[]): string | undefined {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0; // "-"
  let int = "";
  let run = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) continue;
    if (c === point) break;
    if (!separators.includes(c)) return undefined;
    int += s.slice(run, i);
    run = i + 1;
  }
  int += s.slice(run, i);
  if (int === "") return undefined;
  const sign = s.charCodeAt(0) === 45 ? "-" : "";
  if (i === n) return sign + int;
  const frac = s.slice(i + 1);
  if (frac === "") return undefined;
  for (let j = 0; j < frac.length; j++) if (!isDigit(frac.charCodeAt(j))) return undefined;
  return `${sign}${int}.${frac}`;
}

const COMMA_SEPARATORS = [46, 32, 0xa0]; // "1.234,56", "1 234,56", no-break space
const POINT_SEPARATORS = [44, 32]; // "1,234.56", "1 234.56"

export function parseDecimal(raw: string, decimalComma: boolean): Converted {
  const s = raw.trim();
  if (s === "") return { ok: true, value: null };
  const t = decimalComma
    ? canonicalDecimal(s, 44, COMMA_SEPARATORS)
    : canonicalDecimal(s, 46, POINT_SEPARATORS);
  if (t !== undefined) return { ok: true, value: t };
  return {
    ok: false,
    reason: `${decimalComma ? "not a decimal-comma number" : "not a number"}: ${JSON.stringify(raw)}`,
  };
}

type DateToken = "y" | "m" | "d" | number;
const DATE_FORMATS = new Map<string, DateToken[]>();

/** `DD.MM.YYYY` → ["d", 46, "m", 46, "y"]: YYYY is four digits, DD/D and MM/M one or two. */
function dateTokens(format: string): DateToken[] {
  let tokens = DATE_FORMATS.get(format);
  if (!tokens) {
    tokens = [];
    for (let i = 0; i < format.length;) {
      if (format.startsWith("YYYY", i)) {
        tokens.push("y");
        i += 4;
      } else if (format[i] === "D" || format[i] === "M") {
        tokens.push(format[i] === "D" ? "d" : "m");
        i += format[i + 1] === format[i] ? 2 : 1;
      } else tokens.push(format.charCodeAt(i++));
    }
    DATE_FORMATS.set(format, tokens);
  }
  return tokens;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (y: number, m: number) =>
  m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : DAYS_IN_MONTH[m - 1]!;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Supports formats made of DD, D, MM, M, YYYY and one separator kind (`DD.MM.YYYY`, `M/D/YYYY`, `YYYY-MM-DD`). */
export function parseDate(raw: string, format: string): Converted {
  const s = raw.trim();
  if (s === "") return { ok: true, value: null };
  const parts = { y: -1, m: -1, d: -1 };
  let i = 0;
  for (const token of dateTokens(format)) {
    if (typeof token === "number") {
      if (s.charCodeAt(i) !== token) return notADate(raw, format);
      i++;
      continue;
    }
    const max = token === "y" ? 4 : 2;
    let v = 0;
    let len = 0;
    for (; len < max && isDigit(s.charCodeAt(i)); len++) v = v * 10 + s.charCodeAt(i++) - ZERO;
    // Greedy: a format without separators (`DDMMYYYY`) needs two-digit days and months.
    if (len === 0 || (token === "y" && len < 4)) return notADate(raw, format);
    parts[token] = v;
  }
  if (i !== s.length || parts.y < 0 || parts.m < 0 || parts.d < 0) return notADate(raw, format);
  const { y, m, d } = parts;
  // Years before 100 are refused: in an ERP export they are a typo, not antiquity.
  if (y < 100 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) {
    return { ok: false, reason: `no such date: ${JSON.stringify(raw)} (${format})` };
  }
  return { ok: true, value: `${String(y).padStart(4, "0")}-${pad2(m)}-${pad2(d)}` };
}

const notADate = (raw: string, format: string): Converted => ({
  ok: false,
  reason: `not a date in ${format}: ${JSON.stringify(raw)}`,
});

export function parseBoolean(raw: string): Converted {
  const s = raw.trim().toLowerCase();
  if (s === "") return { ok: true, value: null };
  if (["true", "1", "yes", "y", "ja", "j"].includes(s)) return { ok: true, value: "true" };
  if (["false", "0", "no", "n", "nein"].includes(s)) return { ok: true, value: "false" };
  return { ok: false, reason: `not a boolean: ${JSON.stringify(raw)}` };
}

export function parseInteger(raw: string): Converted {
  const s = raw.trim();
  if (s === "") return { ok: true, value: null };
  return /^-?\d+$/.test(s)
    ? { ok: true, value: s }
    : { ok: false, reason: `not a whole number: ${JSON.stringify(raw)}` };
}

/**
 * Offsets of the bytes in `buf` that start no valid UTF-8 sequence (WHATWG's decoder would turn
 * each into U+FFFD): stray continuation bytes, overlong forms, surrogates, past U+10FFFF, a
 * sequence cut short. Used only on a chunk that `isUtf8` has refused, to say where.
 */
export function invalidUtf8Offsets(buf: Uint8Array): number[] {
  const out: number[] = [];
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Continuation bytes needed, and the range the first of them must be in (RFC 3629).
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (!need) {
      out.push(i++);
      continue;
    }
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    let ok = true;
    for (let j = 1; j <= need; j++) {
      const c = buf[i + j];
      if (c === undefined || c < (j === 1 ? lo : 0x80) || c > (j === 1 ? hi : 0xbf)) {
        ok = false;
        break;
      }
    }
    if (ok) i += need + 1;
    else out.push(i++);
  }
  return out;
}
