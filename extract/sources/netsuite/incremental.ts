/** Last row read: its lastmodifieddate to the second (TO_CHAR, whatever the account's date format) and id. */
export type NetsuiteCursor = {
  lastModified?: string;
  id?: string;
};

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Key-set paging: `(lastmodifieddate > t OR (lastmodifieddate = t AND id > last))` with offset
 * always 0, so neither ties at one second nor SuiteQL's 100,000-result ceiling lose rows.
 */
export function keysetWhere(
  mode: "lastmodified" | "id" | "full",
  c: NetsuiteCursor | undefined,
): string | undefined {
  if (mode === "full" || !c) return undefined;
  const idCmp = (id: string) => (/^\d+$/.test(id) ? `id > ${id}` : `id > ${quote(id)}`);
  if (mode === "id") return c.id ? idCmp(c.id) : undefined;
  if (!c.lastModified) return undefined;
  const t = `TO_TIMESTAMP(${quote(c.lastModified)}, 'YYYY-MM-DD HH24:MI:SS')`;
  return c.id
    ? `(lastmodifieddate > ${t} OR (lastmodifieddate = ${t} AND ${idCmp(c.id)}))`
    : `lastmodifieddate >= ${t}`;
}

/** Parses a date as the account formats it (`M/D/YYYY`, `D.M.YYYY`, `DD/MM/YYYY`, `YYYY-MM-DD`), optional time. */
export function parseAccountDate(value: string, format: string): { date: string; time?: string } | undefined {
  const m = /^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?)?$/i.exec(
    value.trim(),
  );
  if (!m) return undefined;
  const order = format
    .toUpperCase()
    .replace(/[^DMY]/g, "")
    .replace(/(.)\1+/g, "$1");
  const parts: Record<string, number> = {};
  [m[1], m[2], m[3]].forEach((p, i) => (parts[order[i] ?? "?"] = Number(p)));
  const { Y: y, M: mo, D: d } = parts;
  if (!y || !mo || !d || mo > 12 || d > 31) return undefined;
  const date = `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  if (m[4] === undefined) return { date };
  let h = Number(m[4]);
  if (m[7]) h = (h % 12) + (m[7].toLowerCase() === "pm" ? 12 : 0);
  return { date, time: `${String(h).padStart(2, "0")}:${m[5]}:${m[6] ?? "00"}` };
}
