import { tableName } from "../load/naming.js";
import { sqlDialect } from "../models/dialects.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import {
  LedgerUsageError,
  REVIEW_STATES,
  type ActionResult,
  type CloseStatusRow,
  type DiscrepancyEvent,
  type DiscrepancyView,
  type LedgerContext,
  type QueueFilters,
  type QueueItem,
  type QueueResult,
  type ReviewState,
  type Signoff,
  type SignoffResult,
  type SourceRecord,
} from "./ledger.js";
import { ensureReconSchema, hasCustomerTable, ledgerItemsSelect } from "./schema.js";

/*
 * The ledger's reads and actions. Statements are written once for both dialects: values are
 * bound ($n) or inlined through the dialect's literals, JSON built with its helpers, and every
 * event is inserted by a SELECT over the rows it records (Snowflake takes no functions in
 * VALUES and has no RETURNING). An action writes its events and its change in one transaction.
 */

type Row = Record<string, unknown>;

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function json(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : (v as Record<string, unknown>);
}

/** Column names as the driver returns them (Snowflake: upper case unless quoted). */
function lower(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));
}

function toItem(raw: Row): QueueItem {
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
async function prepared(ctx: LedgerContext): Promise<void> {
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

async function items(
  tx: WarehouseSession,
  where: string[],
  params: unknown[],
  opts: { limit?: number } = {},
): Promise<{ rows: QueueItem[]; total: number }> {
  const base = ledgerItemsSelect(tx.dialect, { withCustomer: await hasCustomerTable(tx) });
  const cond = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const rows = await tx.query<Row>(
    `SELECT q.* FROM (${base}) q ${cond}
      ORDER BY coalesce(q.amount_reporting, 0) DESC, q.category, q.key${opts.limit ? ` LIMIT ${Math.trunc(opts.limit)}` : ""}`,
    params,
  );
  const total = opts.limit
    ? Number(
        lower((await tx.query<Row>(`SELECT count(*) AS n FROM (${base}) q ${cond}`, params))[0] ?? {}).n ?? 0,
      )
    : rows.length;
  return { rows: rows.map(toItem), total };
}

/** The items matching the filters (open by default), largest amount at stake first. */
export async function listQueue(ctx: LedgerContext, filters: QueueFilters = {}): Promise<QueueResult> {
  if (filters.state && !REVIEW_STATES.includes(filters.state))
    throw new LedgerUsageError(
      `unknown review state ${filters.state}: use one of ${REVIEW_STATES.join(", ")}`,
    );
  if (filters.period && !PERIOD.test(filters.period))
    throw new LedgerUsageError(`period ${filters.period} is not a month: write it YYYY-MM`);
  await prepared(ctx);
  const where: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`q.${column} = $${params.length}`);
  };
  const status = filters.status ?? "open";
  if (status !== "all") eq("status", status);
  eq("category", filters.category);
  eq("review_state", filters.state);
  eq("assignee", filters.assignee);
  eq("entity", filters.entity);
  eq("period", filters.period);
  const { rows, total } = await items(ctx.warehouse, where, params, { limit: filters.limit ?? 1000 });
  const asOf = await lastAsOf(ctx.warehouse);
  return { items: rows, total, asOf: ctx.asOf ?? asOf ?? new Date().toISOString() };
}

async function lastAsOf(tx: WarehouseSession): Promise<string | null> {
  const [row] = await tx.query<Row>(`SELECT max(checked_at) AS as_of FROM recon.rule_status`);
  return str(row ? lower(row).as_of : null);
}

/**
 * The discrepancies a key names (all its categories unless `category` narrows), each with both
 * systems' records as staging holds them and its events, oldest first.
 */
export async function showDiscrepancy(
  ctx: LedgerContext,
  key: string,
  category?: string,
): Promise<DiscrepancyView[]> {
  await prepared(ctx);
  const wh = ctx.warehouse;
  const found = await resolveKeys(wh, [key], { category, status: "all" });
  const out: DiscrepancyView[] = [];
  for (const ref of found) {
    const { rows } = await items(wh, ["q.category = $1", "q.key = $2"], [ref.category, ref.key]);
    const item = rows[0]!;
    const [raw] = await wh.query<Row>(
      `SELECT detail FROM recon.discrepancy WHERE category = $1 AND key = $2`,
      [ref.category, ref.key],
    );
    const detail = json(raw ? lower(raw).detail : null);
    const nativeId = ref.key.slice(ref.key.indexOf(":") + 1);
    const left = item.leftSystem ? await sourceRecord(wh, item.leftSystem, nativeId) : null;
    const rightId = item.rightDocument;
    const right = item.rightSystem && rightId ? await sourceRecord(wh, item.rightSystem, rightId) : null;
    out.push({ item, detail, left, right, events: await eventsOf(wh, ref) });
  }
  return out;
}

async function eventsOf(
  wh: WarehouseSession,
  ref: { category: string; key: string },
): Promise<DiscrepancyEvent[]> {
  const rows = await wh.query<Row>(
    `SELECT id, ${sqlDialect(wh.dialect).quote("at")} AS at, event, actor, run_id, event_detail
       FROM recon.discrepancy_events WHERE category = $1 AND key = $2 ORDER BY id`,
    [ref.category, ref.key],
  );
  return rows.map(lower).map((r) => ({
    id: Number(r.id),
    at: str(r.at) ?? "",
    event: String(r.event),
    actor: str(r.actor),
    runId: String(r.run_id),
    detail: json(r.event_detail),
  }));
}

/**
 * Where a system's record of a discrepancy side is in staging: the streams a key's system can
 * name, with the column that holds the id the key carries. The first stream holding the id wins.
 */
const STAGING_LOOKUP: Record<string, [source: string, stream: string, idColumn: string][]> = {
  stripe: [
    ["stripe", "invoices", "id"],
    ["stripe", "charges", "id"],
    ["stripe", "refunds", "id"],
    ["stripe", "credit_notes", "id"],
    ["stripe", "customers", "id"],
    ["stripe", "subscriptions", "id"],
  ],
  netsuite: [
    ["netsuite", "transaction", "id"],
    ["netsuite", "customer", "id"],
  ],
  erp_file: [
    ["erp_files", "invoices", "invoice_no"],
    ["erp_files", "payments", "payment_no"],
    ["erp_files", "customers", "customer_no"],
  ],
  salesforce: [
    ["salesforce", "opportunity", "id"],
    ["salesforce", "account", "id"],
  ],
  zendesk: [["zendesk", "organizations", "id"]],
};

async function sourceRecord(wh: WarehouseSession, system: string, id: string): Promise<SourceRecord | null> {
  for (const [source, stream, idColumn] of STAGING_LOOKUP[system] ?? []) {
    const table = tableName(source, stream);
    const exists = await wh.query(
      `SELECT 1 FROM information_schema.columns WHERE lower(table_schema) = 'staging' AND lower(table_name) = $1 AND lower(column_name) = $2`,
      [table, idColumn],
    );
    if (!exists.length) continue;
    const d = sqlDialect(wh.dialect);
    const [row] = await wh.query<Row>(
      `SELECT * FROM ${d.quote("staging")}.${d.quote(table)} WHERE ${d.cast(d.quote(idColumn), "text")} = $1`,
      [id],
    );
    if (row) return { system, table: `staging.${table}`, id, record: lower(row) };
  }
  return null;
}

/** Every discrepancy the keys name; a key the ledger does not hold is a usage error naming it. */
async function resolveKeys(
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

/**
 * One action on the discrepancies the keys name: an event per changed item (with the actor and
 * what was set), then the change, in one transaction; items already in that state are left
 * alone and get no event.
 */
async function act(
  ctx: LedgerContext,
  keys: readonly string[],
  opts: {
    category?: string;
    actor: string;
    event: string;
    /** SQL over `d` (params from $1) true for items the action would change. */
    changes: string;
    set: string;
    detail: [string, string][];
    params: unknown[];
  },
): Promise<ActionResult> {
  await prepared(ctx);
  return ctx.warehouse.transaction(async (tx) => {
    const refs = await resolveKeys(tx, keys, { category: opts.category, status: "open" });
    const d = sqlDialect(tx.dialect);
    const target = `d.status = 'open' AND d.key IN (${refs.map((r) => d.literal(r.key)).join(", ")}) AND d.category IN (${[
      ...new Set(refs.map((r) => r.category)),
    ]
      .map((c) => d.literal(c))
      .join(", ")})`;
    const p = opts.params.length;
    const actor = `$${p + 1}`;
    const at = d.timestamp(new Date().toISOString());
    const params = [...opts.params, opts.actor];
    const changing = (
      await tx.query<Row>(
        `SELECT d.category, d.key FROM recon.discrepancy d WHERE ${target} AND (${opts.changes})`,
        params.slice(0, p),
      )
    ).map(lower);
    if (changing.length) {
      await tx.query(
        `INSERT INTO recon.discrepancy_events (run_id, ${d.quote("at")}, category, key, event, actor, event_detail)
         SELECT ${d.literal(ctx.runId ?? "manual")}, ${at}, d.category, d.key, ${d.literal(opts.event)}, ${d.cast(actor, "text")},
                ${d.jsonObject(opts.detail)}
           FROM recon.discrepancy d WHERE ${target} AND (${opts.changes})`,
        params,
      );
      await tx.query(
        `UPDATE recon.discrepancy d SET ${opts.set}, reviewed_by = ${d.cast(actor, "text")}, reviewed_at = ${at}
          WHERE ${target} AND (${opts.changes})`,
        params,
      );
    }
    const isChanged = (r: { category: string; key: string }) =>
      changing.some((c) => c.category === r.category && c.key === r.key);
    return { changed: refs.filter(isChanged), unchanged: refs.filter((r) => !isChanged(r)) };
  });
}

/** Assigns open discrepancies to someone; an explained one stays explained (its assignee changes). */
export async function assign(
  ctx: LedgerContext,
  keys: readonly string[],
  to: string,
  actor: string,
  opts: { category?: string } = {},
): Promise<ActionResult> {
  if (!to.trim()) throw new LedgerUsageError("assign to whom? give --to NAME");
  const d = sqlDialect(ctx.warehouse.dialect);
  return act(ctx, keys, {
    ...opts,
    actor,
    event: "assigned",
    changes: `d.assignee IS NULL OR d.assignee <> $1`,
    set: `assignee = ${d.cast("$1", "text")}, review_state = CASE WHEN d.review_state = 'explained' THEN 'explained' ELSE 'assigned' END`,
    detail: [
      ["assignee", d.cast("$1", "text")],
      ["previous_assignee", "d.assignee"],
    ],
    params: [to.trim()],
  });
}

/**
 * Explains open discrepancies with a reason code from reconciliation.reasonCodes and a note. The
 * explanation is of the values as they are now: a later run that finds other values (left,
 * right or delta) returns the item to review.
 */
export async function explain(
  ctx: LedgerContext,
  keys: readonly string[],
  reason: string,
  note: string,
  actor: string,
  opts: { category?: string } = {},
): Promise<ActionResult> {
  const codes = ctx.config.reconciliation.reasonCodes;
  if (!codes.includes(reason))
    throw new LedgerUsageError(
      `unknown reason code ${reason}: use one of ${codes.join(", ")} (config reconciliation.reasonCodes)`,
    );
  if (!note.trim()) throw new LedgerUsageError("an explanation needs a note: give --note TEXT");
  const d = sqlDialect(ctx.warehouse.dialect);
  return act(ctx, keys, {
    ...opts,
    actor,
    event: "explained",
    changes: `d.review_state <> 'explained' OR d.reason_code IS DISTINCT FROM $1 OR d.note IS DISTINCT FROM $2`,
    set: `review_state = 'explained', reason_code = ${d.cast("$1", "text")}, note = ${d.cast("$2", "text")},
          explained_left_value = d.left_value, explained_right_value = d.right_value, explained_delta = d.delta`,
    detail: [
      ["reason_code", d.cast("$1", "text")],
      ["note", d.cast("$2", "text")],
      ["left_value", "d.left_value"],
      ["right_value", "d.right_value"],
      ["delta", "d.delta"],
    ],
    params: [reason, note],
  });
}

/** Takes back an explanation (or an assignment): the item is in the queue again, unreviewed. */
export async function reopen(
  ctx: LedgerContext,
  keys: readonly string[],
  actor: string,
  opts: { category?: string } = {},
): Promise<ActionResult> {
  return act(ctx, keys, {
    ...opts,
    actor,
    event: "review_reopened",
    changes: `d.review_state <> 'unreviewed'`,
    set: `review_state = 'unreviewed', assignee = NULL`,
    detail: [
      ["previous_state", "d.review_state"],
      ["previous_assignee", "d.assignee"],
      ["reason_code", "d.reason_code"],
      ["note", "d.note"],
    ],
    params: [],
  });
}

/** `entity = …` for a sign-off's entity ("all": every entity). */
function entityCond(entity: string): string {
  return entity === "all" ? "1 = 1" : `coalesce(q.entity, 'unknown') = $2`;
}

/**
 * Signs a month (YYYY-MM) for an entity ("all" when unset: every entity), or refuses with the
 * items that block it: open, not explained, dated in the month, with amount_reporting above
 * reconciliation.materiality. A sign-off records the open items by review state then; signing
 * again replaces it (the event log keeps each).
 */
export async function signoff(
  ctx: LedgerContext,
  period: string,
  entity: string | undefined,
  actor: string,
): Promise<SignoffResult> {
  if (!PERIOD.test(period)) throw new LedgerUsageError(`period ${period} is not a month: write it YYYY-MM`);
  const ent = entity ?? "all";
  const materiality = ctx.config.reconciliation.materiality;
  await prepared(ctx);
  return ctx.warehouse.transaction(async (tx) => {
    const d = sqlDialect(tx.dialect);
    await tx.lockForTransaction(`signoff`);
    const params = ent === "all" ? [period] : [period, ent];
    const scope = [`q.status = 'open'`, `q.period = $1`, entityCond(ent)];
    const { rows: blocking } = await items(
      tx,
      [...scope, `q.review_state <> 'explained'`, `coalesce(q.amount_reporting, 0) > ${Number(materiality)}`],
      params,
    );
    if (blocking.length) return { ok: false, period, entity: ent, materiality, blocking };
    const counts = (
      await tx.query<Row>(
        `SELECT q.review_state, count(*) AS n, coalesce(sum(q.amount_reporting), 0) AS amount
           FROM (${ledgerItemsSelect(tx.dialect, { withCustomer: false })}) q WHERE ${scope.join(" AND ")}
          GROUP BY q.review_state`,
        params,
      )
    ).map(lower);
    const snapshot = REVIEW_STATES.map((state) => {
      const r = counts.find((c) => c.review_state === state);
      return { reviewState: state, count: Number(r?.n ?? 0), amountReporting: Number(r?.amount ?? 0) };
    });
    const snapshotSql = d.jsonObject(
      snapshot.map((s) => [
        s.reviewState,
        d.jsonObject([
          ["count", String(s.count)],
          ["amount_reporting", String(s.amountReporting)],
        ]),
      ]),
    );
    const signedAt = new Date().toISOString();
    const key = `${period}/${ent}`;
    const existing = await tx.query(`SELECT 1 FROM recon.signoff WHERE period = $1 AND entity = $2`, [
      period,
      ent,
    ]);
    if (existing.length)
      await tx.query(
        `UPDATE recon.signoff SET signed_by = $3, signed_at = ${d.timestamp(signedAt)}, snapshot = (SELECT ${snapshotSql}),
                changed_at = NULL, changed_run_id = NULL
          WHERE period = $1 AND entity = $2`,
        [period, ent, actor],
      );
    else
      await tx.query(
        `INSERT INTO recon.signoff (period, entity, signed_by, signed_at, snapshot)
         SELECT $1, $2, $3, ${d.timestamp(signedAt)}, ${snapshotSql}`,
        [period, ent, actor],
      );
    await tx.query(
      `INSERT INTO recon.discrepancy_events (run_id, ${d.quote("at")}, category, key, event, actor, event_detail)
       SELECT ${d.literal(ctx.runId ?? "manual")}, ${d.timestamp(signedAt)}, 'signoff', $1, 'signed_off', ${d.cast("$2", "text")}, ${snapshotSql}`,
      [key, actor],
    );
    const signed: Signoff = { period, entity: ent, signedBy: actor, signedAt, snapshot, changedAt: null };
    return { ok: true, signoff: signed };
  });
}

/** Per entity of the month: open items by review state, what blocks sign-off, and the sign-off if any. */
export async function closeStatus(ctx: LedgerContext, period: string): Promise<CloseStatusRow[]> {
  if (!PERIOD.test(period)) throw new LedgerUsageError(`period ${period} is not a month: write it YYYY-MM`);
  await prepared(ctx);
  const wh = ctx.warehouse;
  const materiality = Number(ctx.config.reconciliation.materiality);
  const rows = (
    await wh.query<Row>(
      `SELECT coalesce(q.entity, 'unknown') AS entity, count(*) AS open,
              sum(CASE WHEN q.review_state = 'unreviewed' THEN 1 ELSE 0 END) AS unreviewed,
              sum(CASE WHEN q.review_state = 'assigned' THEN 1 ELSE 0 END) AS assigned,
              sum(CASE WHEN q.review_state = 'explained' THEN 1 ELSE 0 END) AS explained,
              sum(CASE WHEN q.review_state <> 'explained' AND coalesce(q.amount_reporting, 0) > ${materiality} THEN 1 ELSE 0 END) AS blocking,
              coalesce(sum(q.amount_reporting), 0) AS amount
         FROM (${ledgerItemsSelect(wh.dialect, { withCustomer: false })}) q
        WHERE q.status = 'open' AND q.period = $1
        GROUP BY coalesce(q.entity, 'unknown') ORDER BY 1`,
      [period],
    )
  ).map(lower);
  const signoffs = (
    await wh.query<Row>(
      `SELECT period, entity, signed_by, signed_at, snapshot, changed_at FROM recon.signoff WHERE period = $1`,
      [period],
    )
  ).map(lower);
  const toSignoff = (s: Row | undefined): Signoff | null => {
    if (!s) return null;
    const snap = json(s.snapshot) ?? {};
    return {
      period: String(s.period),
      entity: String(s.entity),
      signedBy: String(s.signed_by),
      signedAt: str(s.signed_at) ?? "",
      snapshot: REVIEW_STATES.map((state) => {
        const v = (snap[state] ?? {}) as Record<string, unknown>;
        return {
          reviewState: state,
          count: Number(v.count ?? 0),
          amountReporting: Number(v.amount_reporting ?? 0),
        };
      }),
      changedAt: str(s.changed_at),
    };
  };
  const out: CloseStatusRow[] = rows.map((r) => ({
    period,
    entity: String(r.entity),
    open: Number(r.open),
    unreviewed: Number(r.unreviewed),
    assigned: Number(r.assigned),
    explained: Number(r.explained),
    blocking: Number(r.blocking),
    amountReporting: Number(r.amount),
    signoff: toSignoff(
      signoffs.find((s) => s.entity === r.entity) ?? signoffs.find((s) => s.entity === "all"),
    ),
  }));
  // A month signed with nothing open still shows.
  for (const s of signoffs)
    if (!out.some((o) => o.entity === s.entity) && (s.entity !== "all" || !out.length))
      out.push({
        period,
        entity: String(s.entity),
        open: 0,
        unreviewed: 0,
        assigned: 0,
        explained: 0,
        blocking: 0,
        amountReporting: 0,
        signoff: toSignoff(s),
      });
  return out;
}
