import type { SourceContext } from "../../interfaces.js";

/** The cursor: the last record's SystemModstamp and Id (the tie-break), as Salesforce formats them. */
export type SalesforceCursor = {
  systemModstamp: string;
  id: string;
};

const SF_ID = /^[a-zA-Z0-9]{15,18}$/;

/** A cursor read back from state, or undefined when it is not one of ours (then: full read). */
export function asCursor(v: unknown): SalesforceCursor | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const c = v as Record<string, unknown>;
  if (typeof c.systemModstamp !== "string" || Number.isNaN(Date.parse(normalise(c.systemModstamp))))
    return undefined;
  return { systemModstamp: c.systemModstamp, id: typeof c.id === "string" ? c.id : "" };
}

function normalise(v: string): string {
  return v.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

/**
 * SOQL datetime literal from a SystemModstamp (`…000+0000` → `…Z`): whole seconds, the form the
 * SOQL reference documents; milliseconds only when the value has them.
 */
export function soqlDateTime(v: string | Date): string {
  const iso = (typeof v === "string" ? new Date(normalise(v)) : v).toISOString();
  return iso.replace(/\.000Z$/, "Z");
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
    const from = new Date(Date.parse(normalise(cursor.systemModstamp)) - lookbackSeconds * 1000);
    return `SystemModstamp >= ${soqlDateTime(from)}`;
  }
  if (!SF_ID.test(cursor.id)) return `SystemModstamp >= ${t}`;
  return `(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > '${cursor.id}'))`;
}

/** The saved cursor unless this is a full refresh. */
export function startCursor(ctx: SourceContext, saved: unknown): SalesforceCursor | undefined {
  return ctx.fullRefresh ? undefined : asCursor(saved);
}
