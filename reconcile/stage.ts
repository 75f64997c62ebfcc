import type { Config } from "../config/schema.js";
import { errorMessage } from "../core/errors.js";
import { registerExecutor } from "../orchestration/executors.js";
import { registerStage, type PipelineNode } from "../orchestration/pipeline.js";
import { compileFamily, ruleContext, runFamily } from "./engine.js";
import type { RuleFamily } from "./interfaces.js";
import { RULE_FAMILIES } from "./rules/index.js";

/** The models a family reads, found by compiling its rules with a recording ref(). */
export function familyDependencies(family: RuleFamily, config: Config): string[] {
  const refs = new Set<string>();
  const ctx = ruleContext({ dialect: "postgres" } as never, config, new Date(0).toISOString());
  compileFamily(family, {
    ...ctx,
    ref: (model) => {
      refs.add(model.includes(".") ? model : `canonical.${model}`);
      return ctx.ref(model);
    },
  });
  return [...refs].sort();
}

export function familyNodes(
  config: Config,
  models: ReadonlySet<string>,
  families = RULE_FAMILIES,
): PipelineNode[] {
  // A family whose models are not in the project (builtin models switched off) has nothing to
  // compare, so it is not part of the DAG rather than a node that always fails.
  return families.flatMap((f) => {
    const deps = familyDependencies(f, config);
    if (!deps.every((m) => models.has(m))) return [];
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

registerStage({ nodes: (config, models) => familyNodes(config, models) });

registerExecutor("reconcile", async (node, ctx) => {
  const family = RULE_FAMILIES.find((f) => f.name === node.name);
  if (!family) throw new Error(`no rule family ${node.name}`);
  try {
    const r = await runFamily(ctx.warehouse, family, {
      config: ctx.config,
      asOf: ctx.asOf,
      runId: ctx.runId,
      log: ctx.log,
    });
    return { rows: Object.values(r.open).reduce((a, b) => a + (b ?? 0), 0), details: r };
  } catch (err) {
    throw new Error(`reconciliation ${family.name}: ${errorMessage(err)}`, { cause: err });
  }
});
