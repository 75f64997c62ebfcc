import type { Config } from "../config/schema.js";
import { sqlDialect } from "../models/dialects.js";
import { quoteLiteral } from "../warehouse/identifiers.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import type { RuleFamily, RuleNotRun } from "./interfaces.js";

/**
 * recon.rule_status: one row per rule, written in its family's transaction — whether the last
 * reconciliation ran it, and if not why (a system it compares is absent, or the category is in
 * reconciliation.disabled). BI reads it beside recon.summary: a category with no open
 * discrepancies and status not_run is unknown, not clean. Values are literals (Snowflake binds
 * no arrays), all from the rules' code and config.
 */
export async function writeRuleStatus(
  tx: WarehouseSession,
  family: RuleFamily,
  options: { config: Config; asOf: string; runId: string; notRun: readonly RuleNotRun[] },
): Promise<void> {
  if (!family.rules.length) return;
  const table = tx.quoteTable({ schema: "recon", name: "rule_status" });
  const at = sqlDialect(tx.dialect).timestamp(options.asOf);
  const disabled = options.config.reconciliation.disabled as readonly string[];
  const rows = family.rules.map((r) => {
    const notRun = options.notRun.find((n) => n.category === r.category);
    const [status, reason] = disabled.includes(r.category)
      ? ["disabled", "in reconciliation.disabled"]
      : notRun
        ? ["not_run", notRun.reason]
        : ["ran", null];
    return `(${[r.category, family.name, status]
      .map((v) => quoteLiteral(v))
      .join(
        ", ",
      )}, ${reason === null ? "NULL" : quoteLiteral(reason)}, ${quoteLiteral(options.runId)}, ${at})`;
  });
  const categories = family.rules.map((r) => quoteLiteral(r.category)).join(", ");
  await tx.query(`DELETE FROM ${table} WHERE category IN (${categories})`);
  await tx.query(
    `INSERT INTO ${table} (category, family, status, reason, last_run_id, checked_at) VALUES ${rows.join(", ")}`,
  );
}
