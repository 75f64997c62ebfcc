import type { Config } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import { sqlDialect } from "../models/dialects.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { documentPeriods } from "./document-dates.js";

/** The events a run writes that change what a signed month held. */
const CHANGING_EVENTS = ["opened", "reopened", "explanation_reset"] as const;

/** The month (YYYY-MM, UTC) an instant falls in. */
export function periodOf(iso: string): string {
  return new Date(iso).toISOString().slice(0, 7);
}

/** The due date of an item found at `foundAt`: the category's SLA, else reconciliation.slaDays. */
export function dueAt(config: Config, category: string, foundAt: string): string {
  const days = config.reconciliation.sla[category] ?? config.reconciliation.slaDays;
  return new Date(new Date(foundAt).getTime() + days * 86_400_000).toISOString();
}

/**
 * The review side of a family's lifecycle, after the data's side (open, reopen, refresh,
 * resolve, their events) in the same transaction, in statements both dialects run as written
 * (values inlined through the dialect's literals; Snowflake has no RETURNING, so each event is
 * written before the change it records, from the same condition):
 * - new items get their period (the month of their document's date, else of the as-of; see
 *   document-dates.ts) and due date;
 * - an explanation holds while left_value, right_value and delta are the ones explained; an
 *   open item whose values moved returns to unreviewed, with an explanation_reset event holding
 *   both the explained and the new values;
 * - a signed month whose items this run opened, reopened or reset is flagged (changed_at), the
 *   sign-off itself left as it was.
 */
export async function runLedgerLifecycle(
  tx: WarehouseSession,
  options: { config: Config; asOf: string; runId: string; categories: readonly string[]; log: Logger },
): Promise<void> {
  if (!options.categories.length) return;
  const d = sqlDialect(tx.dialect);
  const t = (name: string) => `${d.quote("recon")}.${d.quote(name)}`;
  const at = d.timestamp(options.asOf);
  const run = d.literal(options.runId);
  const inCategories = `IN (${options.categories.map((c) => d.literal(c)).join(", ")})`;
  const due = `CASE d.category ${options.categories
    .map((c) => `WHEN ${d.literal(c)} THEN ${d.timestamp(dueAt(options.config, c, options.asOf))}`)
    .join(" ")} END`;
  const periods = await documentPeriods(tx, options.categories, periodOf(options.asOf));
  await tx.query(
    `UPDATE ${t("discrepancy")} d SET period = x.period, due_at = ${due}
       FROM (${periods}) x
      WHERE x.category = d.category AND x.key = d.key`,
  );

  const moved = `d.status = 'open' AND d.review_state = 'explained' AND d.category ${inCategories}
      AND (d.left_value IS DISTINCT FROM d.explained_left_value OR d.right_value IS DISTINCT FROM d.explained_right_value
           OR d.delta IS DISTINCT FROM d.explained_delta)`;
  await tx.query(
    `INSERT INTO ${t("discrepancy_events")} (run_id, ${d.quote("at")}, category, key, event, event_detail)
     SELECT ${run}, ${at}, d.category, d.key, 'explanation_reset', ${d.jsonObject([
       ["reason", `'the values explained changed'`],
       ["reason_code", "d.reason_code"],
       ["note", "d.note"],
       ["explained_by", "d.reviewed_by"],
       ["explained_left_value", "d.explained_left_value"],
       ["explained_right_value", "d.explained_right_value"],
       ["explained_delta", "d.explained_delta"],
       ["left_value", "d.left_value"],
       ["right_value", "d.right_value"],
       ["delta", "d.delta"],
     ])}
       FROM ${t("discrepancy")} d WHERE ${moved}`,
  );
  // Back to unreviewed: someone must look again. The assignee, reason and note stay on the row
  // (the event keeps them too) so whoever explained it is known; review_state says they no longer hold.
  await tx.query(
    `UPDATE ${t("discrepancy")} d SET review_state = 'unreviewed'
      WHERE ${moved}`,
  );

  const changed = `s.changed_at IS NULL AND EXISTS (
       SELECT 1 FROM ${t("discrepancy_events")} e
         JOIN ${t("discrepancy")} d ON d.category = e.category AND d.key = e.key
        WHERE e.run_id = ${run} AND e.event IN (${CHANGING_EVENTS.map((e) => d.literal(e)).join(", ")})
          AND e.category ${inCategories} AND d.period = s.period
          AND (s.entity = 'all' OR coalesce(d.entity, 'unknown') = s.entity))`;
  const flagged = await tx.query<{ period: string; entity: string }>(
    `SELECT s.period, s.entity FROM ${t("signoff")} s WHERE ${changed}`,
  );
  if (!flagged.length) return;
  await tx.query(`UPDATE ${t("signoff")} s SET changed_at = ${at}, changed_run_id = ${run} WHERE ${changed}`);
  for (const f of flagged)
    options.log.warn(
      { period: f.period, entity: f.entity },
      "a signed month changed: this run found new, reopened or changed items dated in it; the sign-off is flagged (recon.signoff.changed_at)",
    );
}
