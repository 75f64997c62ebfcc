import type { Config, DiscrepancyCategory, SourceSystem } from "../config/schema.js";
import type { RefOptions, SqlDialect } from "../models/interfaces.js";

/**
 * A reconciliation rule compiles to one SELECT that returns one row per discrepancy, computed in
 * the warehouse (principle 1: no row-by-row loops in Node). Rules are grouped in families (one
 * file each under `reconcile/rules/`); a family is one DAG node and owns its categories.
 *
 * The SELECT must return exactly these columns:
 *   key text               `system:native_id` (the categories and keys are listed in docs/reconciliation.md)
 *   customer_id text       canonical customer, when known
 *   entity text            legal entity (us / eu), when known
 *   left_system text, left_value text, right_system text, right_value text
 *   delta numeric          signed difference in `currency` units (NULL when not an amount)
 *   currency text
 *   amount_reporting numeric   the amount at stake in the reporting currency (for summaries)
 *   detail jsonb           both sides' values, match method, anything a reviewer needs
 */
export interface RuleContext {
  /**
   * Quoted relation of a model. `columns`: the only columns the rule reads of it, so the family
   * is evaluated again when one of those changes, not whenever the model is rebuilt (as a
   * model's `ref(name, { columns })`).
   */
  ref(model: string, options?: RefOptions): string;
  source(source: string, stream: string): string;
  readonly asOf: string;
  readonly config: Config;
  readonly d: SqlDialect;
  /** Tolerances and windows from config, with defaults. */
  readonly settings: Config["reconciliation"];
}

/** A role of the conformed layer, as a rule's need. */
export type RoleName = "crm" | "billing" | "erp" | "support";

export interface Rule {
  category: DiscrepancyCategory;
  description: string;
  /** Team that works its discrepancies when `reconciliation.ownerTeams` names none (else finance). */
  ownerTeam?: string;
  /**
   * The source systems the rule compares: every entry must be met by one of its systems being
   * present (`[["billing"], ["erp"]]` = a billing system and an ERP). A rule whose need is not
   * met does not run, and its open discrepancies stay as they were. A role (`"crm"`, `"billing"`,
   * `"erp"`, `"support"`) stands for the systems `roles.<role>` names (any one present meets it).
   */
  needs?: readonly (readonly (SourceSystem | RoleName)[])[];
  sql: (ctx: RuleContext) => string;
}

/** A rule that did not run in a family's run, and why ("needs netsuite or erp_files: disabled"). */
export interface RuleNotRun {
  category: DiscrepancyCategory;
  reason: string;
}

export interface RuleFamily {
  /** DAG node `recon.<name>`; detail table `recon.<name>_detail`. */
  name: string;
  description: string;
  rules: Rule[];
  /** Models it reads besides those its SQL ref()s (a project rule's `reads`): more DAG edges. */
  reads?: string[];
  /** The project file a rule of the user's own came from; undefined for the built-in families. */
  file?: string;
}

export const DISCREPANCY_COLUMNS = [
  "key",
  "customer_id",
  "entity",
  "left_system",
  "left_value",
  "right_system",
  "right_value",
  "delta",
  "currency",
  "amount_reporting",
  "detail",
] as const;
