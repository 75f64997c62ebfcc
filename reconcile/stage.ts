import type { Config } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { ruleContext } from "./engine.js";
import type { RuleFamily } from "./interfaces.js";
import { readsId, ruleFamilies } from "./user-rules.js";

/** The models a family reads: its `reads`, and those its rules' SQL ref()s (compiled with a recording ref()). */
export function familyDependencies(family: RuleFamily, config: Config): string[] {
  const refs = new Set<string>(family.reads ?? []);
  const ctx = ruleContext({ dialect: "postgres" } as never, config, new Date(0).toISOString());
  const recording = {
    ...ctx,
    ref: (model: string) => {
      refs.add(readsId(model));
      return ctx.ref(model);
    },
  };
  // Every rule, also those that will not run for want of a system: what a family reads does not
  // change with the sources that are on.
  for (const r of family.rules) r.sql(recording);
  return [...refs].sort();
}

/** A rule family's node in the pipeline DAG (orchestration runs it). */
export interface FamilyNode {
  id: string;
  kind: "reconcile";
  name: string;
  tags: string[];
  upstream: string[];
}

export function familyNodes(
  config: Config,
  models: ReadonlySet<string>,
  families = ruleFamilies(),
): FamilyNode[] {
  // A built-in family whose models are not in the project (builtin models switched off) has
  // nothing to compare, so it is not part of the DAG rather than a node that always fails. A
  // project's own rule reading a model that does not exist is a mistake to report.
  return families.flatMap((f) => {
    const deps = familyDependencies(f, config);
    const missing = deps.filter((m) => !models.has(m));
    if (missing.length && f.file) {
      throw new ConfigError(
        `${f.file}: rule ${f.name} reads ${missing.join(", ")}, which no model builds; fix its reads or ref(), or add the model`,
      );
    }
    if (missing.length) return [];
    return [
      {
        id: `recon.${f.name}`,
        kind: "reconcile",
        name: f.name,
        tags: ["reconcile", "finance"],
        upstream: deps,
      },
    ];
  });
}
