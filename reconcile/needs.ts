import type { Config } from "../config/schema.js";
import { sourceAbsence } from "../models/absent-sources.js";
import type { Rule, RuleFamily, RuleNotRun } from "./interfaces.js";

/**
 * Why a rule cannot run with this config, or undefined when it can: the first of its needs that
 * no present system meets, with each system's absence ("needs netsuite or erp_files: disabled").
 */
export function unmetNeed(rule: Rule, config: Config): string | undefined {
  for (const need of rule.needs ?? []) {
    const anyOf = need.flatMap((s) => (s in config.roles ? config.roles[s as keyof Config["roles"]] : [s]));
    const why = anyOf.map((s) => sourceAbsence(config, s));
    if (why.some((w) => w === undefined)) continue;
    const reasons = [...new Set(why)];
    const detail = reasons.length === 1 ? reasons[0] : anyOf.map((s, i) => `${s} ${why[i]}`).join(", ");
    return `needs ${anyOf.join(" or ")}: ${detail}`;
  }
  return undefined;
}

/** The family's rules that do not run with this config, and why. */
export function rulesNotRun(family: RuleFamily, config: Config): RuleNotRun[] {
  return family.rules.flatMap((r) => {
    const reason = unmetNeed(r, config);
    return reason ? [{ category: r.category, reason }] : [];
  });
}
