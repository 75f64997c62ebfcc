import { LedgerUsageError, type LedgerContext, type QueueItem, type ReviewState } from "./ledger.js";
import { sqlDialect } from "../models/dialects.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { ensureReconSchema } from "./schema.js";

/*
 * What the ledger's reads and actions share: rows as the drivers return them made into the
 * ledger's types, the check that the ledger's tables exist, and the keys a command names.
 * Statements are written once for both dialects: values are bound ($n) or inlined through the
 * dialect's literals.
 */

export type Row = Record<string, unknown>;

export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

export function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function json(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : (v as Record<string, unknown>);
}

/** Column names as the driver returns them (Snowflake: upper case unless quoted). */
export function lower(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
}

export function toItem(raw: Row): QueueItem {
  const r = lower(raw);
  return {
    category: String(r.category),
    key: String(r.key),
    status: r.status as QueueItem["status"],
    reviewState: r.review_state as ReviewState,
    assignee: str(r.assignee),
    reasonCode: str(r.reason_code),
    note: str(r.note),
    reviewedBy: str(r.reviewed_by),
    reviewedAt: str(r.reviewed_at),
    dueAt: str(r.due_at),
    overdue: r.overdue === true || r.overdue === "true",
    customerId: str(r.customer_id),
    customerName: str(r.customer_name),
    entity: str(r.entity),
    currency: str(r.currency),
    leftSystem: str(r.left_system),
    leftValue: str(r.left_value),
    rightSystem: str(r.right_system),
    rightValue: str(r.right_value),
    leftDocument: str(r.left_document),
    rightDocument: str(r.right_document),
    delta: num(r.delta),
    amountReporting: num(r.amount_reporting),
    reportingCurrency: str(r.reporting_currency),
    amountMeaning: r.amount_meaning as QueueItem["amountMeaning"],
    period: str(r.period) ?? "",
    firstSeenAt: str(r.first_seen_at) ?? "",
    lastSeenAt: str(r.last_seen_at) ?? "",
    ageDays: Number(r.age_days ?? 0),
    ownerTeam: String(r.owner_team),
  };
}

/** Warehouses whose recon schema has the ledger's tables already (checked once per warehouse object). */
const ready = new WeakSet<object>();

/**
 * The ledger's tables exist, also on a warehouse no reconciliation with the ledger has run on
 * yet (an empty queue, not an error). Checked once per warehouse: the finance page calls this
 * on every request, and the schema's DDL would wait for a reconciliation in progress.
 */
export async function prepared(ctx: LedgerContext): Promise<void> {
  if (ready.has(ctx.warehouse)) return;
  const found = await ctx.warehouse.query(
    `SELECT 1 FROM information_schema.columns
      WHERE lower(table_schema) = 'recon' AND lower(table_name) = 'signoff' AND lower(column_name) = 'changed_run_id'`,
  );
  if (!found.length)
    await ctx.warehouse.transaction((tx) =>
      ensureReconSchema(tx, { materiality: ctx.config.reconciliation.materiality }),
    );
  ready.add(ctx.warehouse);
}

/** Every discrepancy the keys name; a key the ledger does not hold is a usage error naming it. */
export async function resolveKeys(
  wh: WarehouseSession,
  keys: readonly string[],
  opts: { category?: string; status: "open" | "all" },
): Promise<{ category: string; key: string }[]> {
  if (!keys.length) throw new LedgerUsageError("no key given: name at least one discrepancy key");
  const d = sqlDialect(wh.dialect);
  const params: unknown[] = [];
  let cond = `key IN (${keys.map((k) => d.literal(k)).join(", ")})`;
  if (opts.category) {
    params.push(opts.category);
    cond += ` AND category = $1`;
  }
  const rows = (
    await wh.query<Row>(`SELECT category, key, status FROM recon.discrepancy WHERE ${cond}`, params)
  ).map(lower);
  const unknown = keys.filter((k) => !rows.some((r) => r.key === k));
  if (unknown.length)
    throw new LedgerUsageError(
      `unknown discrepancy key${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}${opts.category ? ` in category ${opts.category}` : ""}: see trueup recon list --json for the keys`,
    );
  const usable = opts.status === "open" ? rows.filter((r) => r.status === "open") : rows;
  const resolvedOnly = keys.filter((k) => !usable.some((r) => r.key === k));
  if (resolvedOnly.length)
    throw new LedgerUsageError(
      `${resolvedOnly.join(", ")}: resolved (the data agrees now); only open discrepancies are reviewed`,
    );
  return usable.map((r) => ({ category: String(r.category), key: String(r.key) }));
}
