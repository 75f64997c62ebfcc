import type { RuleContext } from "./interfaces.js";

/**
 * A reconciliation rule of the user's own: one SELECT, run in the warehouse, returning one row
 * per discrepancy of `category`. Its rows go through the same lifecycle as the built-in
 * categories (open / resolved, first and last seen, owner team, summary, history, report), and
 * it is one DAG node, `recon.<name>`, downstream of the models it reads.
 *
 * The SELECT returns these columns (others are ignored):
 *   key            text, unique per row: `system:native_id` of the record at fault
 *   customer_id    text, the canonical customer when known (NULL otherwise)
 *   left_system, left_value, right_system, right_value   text, the two systems and their values
 *   delta          numeric, signed difference in `currency` units (NULL when not an amount)
 *   currency       text
 * and, when listed in `columns`, also:
 *   entity            text, the legal entity
 *   amount_reporting  numeric, the amount at stake in the reporting currency (for summaries)
 */
export interface RuleDefinition {
  /** DAG node `recon.<name>`, detail table `recon.<name>_detail`; lower_snake_case. */
  name: string;
  /** The discrepancy category its rows get in `recon.discrepancy`; lower_snake_case. */
  category: string;
  /** Team that owns its discrepancies; `reconciliation.ownerTeams` in config wins, else `finance`. */
  ownerTeam?: string;
  description: string;
  /**
   * Models the rule reads (`canonical.invoice`, `analytics.my_model`); the DAG edges. Any model
   * the SQL reaches through `ctx.ref()` is added to them.
   */
  reads?: string[];
  /** Optional columns the SELECT also returns. */
  columns?: ("entity" | "amount_reporting")[];
  sql: (ctx: RuleContext) => string;
}

/** Typed identity for rule modules: `export const rule = defineRule({...})`. */
export function defineRule(def: RuleDefinition): RuleDefinition {
  return def;
}

export type { RuleContext } from "./interfaces.js";
