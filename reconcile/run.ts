import { defaultAsOf } from "../core/as-of.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import { runFamily, type FamilyResult } from "./engine.js";
import type { RuleFamily } from "./interfaces.js";
import { ruleFamilies } from "./user-rules.js";

/** Runs every rule family, the project's own included once loaded (the `trueup reconcile` command; the DAG runs them as separate nodes). */
export async function reconcile(options: {
  warehouse: Warehouse;
  config: Config;
  asOf?: string;
  runId: string;
  log: Logger;
  families?: RuleFamily[];
  /** Evaluate every family, even one whose rules, settings and inputs are as at its last run. */
  fullRefresh?: boolean;
}): Promise<FamilyResult[]> {
  const asOf = options.asOf ?? defaultAsOf();
  const out: FamilyResult[] = [];
  for (const f of options.families ?? ruleFamilies()) {
    out.push(
      await runFamily(options.warehouse, f, {
        config: options.config,
        asOf,
        runId: options.runId,
        log: options.log,
        skipUnchanged: !options.fullRefresh,
      }),
    );
  }
  return out;
}
