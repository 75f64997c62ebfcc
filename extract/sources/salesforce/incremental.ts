/** The cursor: the last record's SystemModstamp and Id (the tie-break), as Salesforce formats them. */
export interface SalesforceCursor {
  systemModstamp: string;
  id: string;
}

/** SOQL datetime literal from a stored SystemModstamp (`…+0000` → `…Z`). */
export function soqlDateTime(v: string): string {
  return new Date(v.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")).toISOString();
}

/**
 * `(SystemModstamp > t OR (SystemModstamp = t AND Id > last))`: records sharing the cursor's
 * timestamp across a page boundary are neither skipped (`>`) nor read forever (`>=`). With a
 * lookback, the window re-opens that many seconds earlier and the merge absorbs the overlap.
 */
export function soqlWhere(cursor: SalesforceCursor | undefined, lookbackSeconds = 0): string | undefined {
  if (!cursor) return undefined;
  const t = soqlDateTime(cursor.systemModstamp);
  if (lookbackSeconds > 0) {
    const from = new Date(Date.parse(t) - lookbackSeconds * 1000).toISOString();
    return `SystemModstamp >= ${from}`;
  }
  if (!/^[a-zA-Z0-9]{15,18}$/.test(cursor.id)) return `SystemModstamp >= ${t}`;
  return `(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > '${cursor.id}'))`;
}
