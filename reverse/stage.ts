import { registerExecutor } from "../orchestration/executors.js";
import { registerStage, type PipelineNode } from "../orchestration/pipeline.js";
import { familyNodes } from "../reconcile/stage.js";
import { runSyncs } from "./run.js";

/**
 * A DAG node per sync, downstream of the model it reads. Corrections (syncs that need approval)
 * also wait for reconciliation: their plan should be made from this run's discrepancies.
 */
registerStage({
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
});

registerExecutor("sync", async (node, ctx) => {
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
});
