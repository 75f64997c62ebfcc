import { ConfigError, errorMessage } from "../core/errors.js";
import { runFamily } from "../reconcile/engine.js";
import { familyNodes } from "../reconcile/stage.js";
import { ruleFamilies } from "../reconcile/user-rules.js";
import { runSyncs } from "../reverse/run.js";
import { PermanentNodeError, extractNode, modelNode, type NodeExecutor } from "./executors.js";
import type { PipelineNode, PipelineNodeKind, PipelineStage } from "./pipeline.js";

/** A DAG node per rule family, downstream of the models its rules read. */
export const reconcileStage: PipelineStage = {
  kind: "reconcile",
  nodes: (config, models) => familyNodes(config, models),
  execute: async (node, ctx) => {
    const family = ruleFamilies().find((f) => f.name === node.name);
    if (!family) {
      throw new ConfigError(
        `no rule family ${node.name} in this process: a project rule's file must be under rules.paths where this worker runs`,
      );
    }
    try {
      const r = await runFamily(ctx.warehouse, family, {
        config: ctx.config,
        asOf: ctx.asOf,
        runId: ctx.runId,
        log: ctx.log,
        skipUnchanged: !ctx.fullRefresh,
      });
      return { rows: Object.values(r.open).reduce<number>((a, b) => a + (b ?? 0), 0), details: r };
    } catch (err) {
      throw new Error(`reconciliation ${family.name}: ${errorMessage(err)}`, { cause: err });
    }
  },
};

/**
 * A DAG node per sync, downstream of the model it reads. Corrections (syncs that need approval)
 * also wait for reconciliation: their plan should be made from this run's discrepancies.
 */
export const syncStage: PipelineStage = {
  kind: "sync",
  nodes: (config, models) => {
    const recon = familyNodes(config, models).map((n) => n.id);
    return config.syncs.flatMap((s): PipelineNode[] => {
      const model = s.model.includes(".") ? s.model : `canonical.${s.model}`;
      if (!models.has(model)) return [];
      const upstream = s.requiresApproval ? [model, ...recon] : [model];
      return [
        { id: `sync.${s.name}`, kind: "sync", name: s.name, tags: ["sync", s.destination.system], upstream },
      ];
    });
  },
  execute: async (node, ctx) => {
    const [r] = await runSyncs({
      warehouse: ctx.warehouse,
      config: ctx.config,
      credentials: ctx.credentials,
      runId: ctx.runId,
      log: ctx.log,
      names: [node.name!],
    });
    if (!r) throw new Error(`sync ${node.name} did not run`);
    if (r.status === "failed" || r.status === "blocked")
      throw new Error(r.message ?? `sync ${r.sync} ${r.status}`);
    return { rows: r.verified, details: r };
  },
};

/**
 * The stages after the models, in order: the pipeline is assembled from this list where it is
 * built (pipelineDag) and run (executorFor), so no module has to be imported for its side effect.
 */
export function defaultStages(): PipelineStage[] {
  return [reconcileStage, syncStage];
}

/** Streams and models are the DAG's own; every other kind of node belongs to a stage. */
export function executorFor(
  kind: PipelineNodeKind,
  stages: readonly PipelineStage[] = defaultStages(),
): NodeExecutor {
  if (kind === "extract") return extractNode;
  if (kind === "model") return modelNode;
  const stage = stages.find((s) => s.kind === kind);
  if (!stage) throw new PermanentNodeError(`no executor for ${kind} nodes`);
  return stage.execute;
}
