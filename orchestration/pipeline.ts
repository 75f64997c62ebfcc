import type { Config, SourceSystem } from "../config/schema.js";
import type { Source } from "../extract/interfaces.js";
import { sourcesFor } from "../extract/registry.js";
import { modelId } from "../models/compile.js";
import type { ModelDefinition } from "../models/interfaces.js";
import { modelDag } from "../models/project.js";
import { Dag, type DagNode } from "../core/dag.js";
import type { NodeExecutor } from "./executors.js";
import { defaultStages } from "./stages.js";

export type PipelineNodeKind = "extract" | "model" | "reconcile" | "sync";

export interface PipelineNode extends DagNode {
  kind: PipelineNodeKind;
  /** extract: source + stream; model: the definition; reconcile/sync: their names. */
  stream?: { source: SourceSystem; stream: string };
  model?: ModelDefinition;
  name?: string;
}

/** A stage after the models (reconciliation rule families, syncs): its nodes and how one runs. */
export interface PipelineStage {
  kind: PipelineNodeKind;
  nodes(config: Config, models: ReadonlySet<string>): PipelineNode[];
  execute: NodeExecutor;
}

/**
 * The whole DAG, derived from config and code — never a hand-written edge list: a node per
 * source stream, per model (edges from its ref()/source() calls), and per rule family and sync
 * (edges from the models they read).
 */
export function pipelineDag(
  config: Config,
  models: readonly ModelDefinition[],
  options: {
    asOf: string;
    sources?: Partial<Record<SourceSystem, Source>>;
    /** The stages after the models; defaultStages() unless given. */
    stages?: readonly PipelineStage[];
  } = {
    asOf: new Date().toISOString(),
  },
): Dag<PipelineNode> {
  const nodes: PipelineNode[] = [];
  const sources = options.sources ?? sourcesFor(config);
  for (const [name, source] of Object.entries(sources) as [SourceSystem, Source][]) {
    // A source offers streams only when config (or, for reference data, the environment) enables it.
    for (const stream of source.declaredStreams(config)) {
      nodes.push({
        id: `${name}.${stream}`,
        kind: "extract",
        upstream: [],
        source: name,
        tags: ["extract"],
        stream: { source: name, stream },
      });
    }
  }
  const streamIds = new Set(nodes.map((n) => n.id.toLowerCase()));
  const byLower = new Map(nodes.map((n) => [n.id.toLowerCase(), n.id]));
  const mdag = modelDag(models, { dialect: "postgres", config, asOf: options.asOf });
  for (const n of mdag.nodes.values()) {
    const upstream = [...n.model.refs];
    for (const s of n.model.sources) {
      const id = `${s.source}.${s.stream}`.toLowerCase();
      // A model may read a stream this config does not extract (disabled source): no edge then,
      // and the model reports the missing staging table itself if it really needs it.
      if (streamIds.has(id)) upstream.push(byLower.get(id)!);
    }
    nodes.push({
      id: modelId(n.model.definition),
      kind: "model",
      upstream,
      tags: n.tags,
      model: n.model.definition,
    });
  }
  const modelIds = new Set(mdag.nodes.keys());
  for (const stage of options.stages ?? defaultStages()) nodes.push(...stage.nodes(config, modelIds));
  return new Dag(nodes);
}
