import type { Credentials } from "../config/credentials.js";
import type { Config } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import { runExtract } from "../extract/run-extract.js";
import { buildModels } from "../models/build.js";
import type { ModelDefinition } from "../models/interfaces.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import type { PipelineNode } from "./pipeline.js";

export interface NodeContext {
  warehouse: Warehouse;
  config: Config;
  credentials: Credentials;
  models: ModelDefinition[];
  runId: string;
  log: Logger;
  asOf: string;
  fullRefresh: boolean;
}

export interface NodeResult {
  rows?: number;
  details?: unknown;
}

/** Thrown by an executor for a failure that retrying cannot fix (bad config, failed data test). */
export class PermanentNodeError extends Error {}

export type NodeExecutor = (node: PipelineNode, ctx: NodeContext) => Promise<NodeResult>;

/** A stream's node: extract and load it. */
export const extractNode: NodeExecutor = async (node, ctx) => {
  const [outcome] = await runExtract({
    warehouse: ctx.warehouse,
    config: ctx.config,
    credentials: ctx.credentials,
    runId: ctx.runId,
    log: ctx.log,
    selection: [node.id],
    fullRefresh: ctx.fullRefresh,
  });
  if (!outcome) throw new PermanentNodeError(`stream ${node.id} is not offered by its source`);
  if (outcome.status === "failed") throw new Error(outcome.error ?? "extract failed");
  // Retrying now would only spend more of the quota; the next scheduled run resumes the stream.
  if (outcome.status === "stopped") throw new PermanentNodeError(outcome.error ?? "stopped on the API quota");
  return { rows: outcome.rows, details: outcome };
};

/** A model's node: build it and run its data tests. */
export const modelNode: NodeExecutor = async (node, ctx) => {
  const [outcome] = await buildModels({
    warehouse: ctx.warehouse,
    config: ctx.config,
    log: ctx.log,
    models: ctx.models,
    select: node.id,
    fullRefresh: ctx.fullRefresh,
    asOf: ctx.asOf,
  });
  if (!outcome || outcome.status !== "succeeded") {
    throw new PermanentNodeError(outcome?.error ?? `model ${node.id} did not build`);
  }
  return { rows: outcome.result?.rows, details: outcome };
};
