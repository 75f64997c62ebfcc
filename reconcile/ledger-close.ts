import { sqlDialect } from "../models/dialects.js";
import {
  LedgerUsageError,
  REVIEW_STATES,
  type CloseStatusRow,
  type LedgerContext,
  type Signoff,
  type SignoffResult,
} from "./ledger.js";
import { items } from "./ledger-queue.js";
import { json, lower, PERIOD, prepared, str, type Row } from "./ledger-rows.js";
import { ledgerItemsSelect } from "./ledger-views.js";

/*
 * The month-end close: sign-off of a period (refused while material unexplained items are
 * open in it) and the close status per entity.
 */

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
