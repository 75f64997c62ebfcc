import { sqlDialect } from "../models/dialects.js";
import { LedgerUsageError, type ActionResult, type LedgerContext } from "./ledger.js";
import { lower, prepared, resolveKeys, type Row } from "./ledger-rows.js";

/*
 * People's actions on discrepancies: assign, explain, reopen. An action writes its events and
 * its change in one transaction; every event is inserted by a SELECT over the rows it records
 * (Snowflake takes no functions in VALUES and has no RETURNING).
 */

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
