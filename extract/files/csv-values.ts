/**
 * Value conversions for legacy-ERP CSV exports, where formats are set per file pattern:
 * decimal comma (`1.234,56`), day-first dates (`DD.MM.YYYY`). Each returns the canonical text
 * (`1234.56`, `2026-03-01`) or an error reason that names what was wrong.
 */
export type Converted = { ok: true; value: string | null } | { ok: false; reason: string };

export function parseDecimal(raw: string, decimalComma: boolean): Converted {
  const s = raw.trim();
  if (s === "") return { ok: true, value: null };
  let t: string;
  if (decimalComma) {
    // Thousands separators are dots or spaces; the decimal separator is the comma.
    if (!/^-?[\d. \u00a0]*(,\d+)?$/.test(s))
      return { ok: false, reason: `not a decimal-comma number: ${JSON.stringify(raw)}` };
    t = s.replace(/[. \u00a0]/g, "").replace(",", ".");
  } else {
    if (!/^-?[\d, ]*(\.\d+)?$/.test(s)) return { ok: false, reason: `not a number: ${JSON.stringify(raw)}` };
    t = s.replace(/[, ]/g, "");
  }
  if (!/^-?\d+(\.\d+)?$/.test(t)) return { ok: false, reason: `not a number: ${JSON.stringify(raw)}` };
  return { ok: true, value: t };
}

const DATE_PARTS: Record<string, RegExp> = {};

/** Supports formats made of DD, D, MM, M, YYYY and one separator kind (`DD.MM.YYYY`, `M/D/YYYY`, `YYYY-MM-DD`). */
export function parseDate(raw: string, format: string): Converted {
  const s = raw.trim();
  if (s === "") return { ok: true, value: null };
  let re = DATE_PARTS[format];
  if (!re) {
    const pattern = format
      .replace(/[.*+?^${}()|[\]\\/-]/g, (c) => `\\${c}`)
      .replace(/YYYY/g, "(?<y>\\d{4})")
      .replace(/DD|D/g, "(?<d>\\d{1,2})")
      .replace(/MM|M/g, "(?<m>\\d{1,2})");
    re = DATE_PARTS[format] = new RegExp(`^${pattern}$`);
  }
  const m = re.exec(s);
  if (!m?.groups) return { ok: false, reason: `not a date in ${format}: ${JSON.stringify(raw)}` };
  const y = Number(m.groups.y);
  const mo = Number(m.groups.m);
  const d = Number(m.groups.d);
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
    return { ok: false, reason: `no such date: ${JSON.stringify(raw)} (${format})` };
  }
  return {
    ok: true,
    value: `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
  };
}

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
