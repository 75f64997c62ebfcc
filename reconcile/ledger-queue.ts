import type { WarehouseSession } from "../warehouse/interfaces.js";
import {
  AGE_BUCKETS,
  LedgerUsageError,
  REVIEW_STATES,
  type LedgerContext,
  type QueueFilters,
  type QueueItem,
  type QueueResult,
  type QueueSummary,
} from "./ledger.js";
import { hasCustomerTable, ledgerItemsSelect } from "./ledger-views.js";
import { lower, PERIOD, prepared, str, toItem, type Row } from "./ledger-rows.js";

/*
 * The queue's reads. Every filter is a bound condition in the statement, so a page of a large
 * queue reads one page of rows, and the totals beside it are one aggregate.
 */

export async function items(
  tx: WarehouseSession,
  where: string[],
  params: unknown[],
  opts: { limit?: number; offset?: number } = {},
): Promise<{ rows: QueueItem[]; total: number }> {
  const base = ledgerItemsSelect(tx.dialect, { withCustomer: await hasCustomerTable(tx) });
  const cond = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const page = opts.limit
    ? ` LIMIT ${Math.trunc(opts.limit)}${opts.offset ? ` OFFSET ${Math.trunc(opts.offset)}` : ""}`
    : "";
  const rows = await tx.query<Row>(
    `SELECT q.* FROM (${base}) q ${cond}
      ORDER BY coalesce(q.amount_reporting, 0) DESC, q.category, q.key${page}`,
    params,
  );
  const total = opts.limit
    ? Number(
        lower((await tx.query<Row>(`SELECT count(*) AS n FROM (${base}) q ${cond}`, params))[0] ?? {}).n ?? 0,
      )
    : rows.length;
  return { rows: rows.map(toItem), total };
}

function nonNegative(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0) throw new LedgerUsageError(`${name} must be a number of at least 0`);
  return v;
}

/** The filters as conditions over the items (`q`), their values bound from $1. */
function conditions(filters: QueueFilters): { where: string[]; params: unknown[] } {
  if (filters.state && !REVIEW_STATES.includes(filters.state))
    throw new LedgerUsageError(
      `unknown review state ${filters.state}: use one of ${REVIEW_STATES.join(", ")}`,
    );
  if (filters.period && !PERIOD.test(filters.period))
    throw new LedgerUsageError(`period ${filters.period} is not a month: write it YYYY-MM`);
  const where: string[] = [];
  const params: unknown[] = [];
  const bound = (sql: (p: string) => string, value: string | number | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  const status = filters.status ?? "open";
  if (status !== "all") bound((p) => `q.status = ${p}`, status);
  bound((p) => `q.category = ${p}`, filters.category);
  bound((p) => `q.review_state = ${p}`, filters.state);
  bound((p) => `q.assignee = ${p}`, filters.assignee);
  bound((p) => `q.entity = ${p}`, filters.entity);
  bound((p) => `q.period = ${p}`, filters.period);
  bound((p) => `q.owner_team = ${p}`, filters.ownerTeam);
  bound((p) => `q.age_days >= ${p}`, nonNegative("the minimum age", filters.minAgeDays));
  bound(
    (p) => `coalesce(q.amount_reporting, 0) >= ${p}`,
    nonNegative("the minimum amount", filters.minAmount),
  );
  return { where, params };
}

/** The items matching the filters (open by default), largest amount at stake first. */
export async function listQueue(ctx: LedgerContext, filters: QueueFilters = {}): Promise<QueueResult> {
  const { where, params } = conditions(filters);
  await prepared(ctx);
  const { rows, total } = await items(ctx.warehouse, where, params, {
    limit: filters.limit ?? 1000,
    offset: filters.offset,
  });
  const asOf = await lastAsOf(ctx.warehouse);
  return { items: rows, total, asOf: ctx.asOf ?? asOf ?? new Date().toISOString() };
}

/** Counts and amounts of every item matching the filters: by review state and by age bucket. */
export async function summarizeQueue(ctx: LedgerContext, filters: QueueFilters = {}): Promise<QueueSummary> {
  const { where, params } = conditions(filters);
  await prepared(ctx);
  const wh = ctx.warehouse;
  const base = ledgerItemsSelect(wh.dialect, { withCustomer: false });
  const bucket = `CASE ${AGE_BUCKETS.map((b, i) =>
    b.maxDays === null ? `ELSE ${i}` : `WHEN q.age_days <= ${b.maxDays} THEN ${i}`,
  ).join(" ")} END`;
  const rows = (
    await wh.query<Row>(
      `SELECT q.review_state, ${bucket} AS bucket, count(*) AS n, coalesce(sum(q.amount_reporting), 0) AS amount
         FROM (${base}) q ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        GROUP BY q.review_state, ${bucket}`,
      params,
    )
  ).map(lower);
  const sum = (rs: Row[], f: "n" | "amount") => rs.reduce((s, r) => s + Number(r[f] ?? 0), 0);
  return {
    count: sum(rows, "n"),
    amountReporting: sum(rows, "amount"),
    byState: Object.fromEntries(
      REVIEW_STATES.map((s) => [
        s,
        sum(
          rows.filter((r) => r.review_state === s),
          "n",
        ),
      ]),
    ) as QueueSummary["byState"],
    aging: AGE_BUCKETS.map((b, i) => {
      const inBucket = rows.filter((r) => Number(r.bucket) === i);
      return { label: b.label, count: sum(inBucket, "n"), amountReporting: sum(inBucket, "amount") };
    }),
  };
}

/** The categories and owner teams of the open items: what the queue's filters offer. */
export async function queueChoices(ctx: LedgerContext): Promise<{ categories: string[]; teams: string[] }> {
  await prepared(ctx);
  const rows = (
    await ctx.warehouse.query<Row>(
      `SELECT DISTINCT category, owner_team FROM recon.discrepancy WHERE status = 'open'`,
    )
  ).map(lower);
  const sorted = (f: string) => [...new Set(rows.map((r) => String(r[f])))].sort();
  return { categories: sorted("category"), teams: sorted("owner_team") };
}

async function lastAsOf(tx: WarehouseSession): Promise<string | null> {
  const [row] = await tx.query<Row>(`SELECT max(checked_at) AS as_of FROM recon.rule_status`);
  return str(row ? lower(row).as_of : null);
}
