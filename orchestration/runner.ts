import pLimit from "p-limit";
import { errorMessage } from "../core/errors.js";
import type { Dag } from "../core/dag.js";
import type { NodeContext } from "./executors.js";
import { executorFor } from "./stages.js";
import type { PipelineNode } from "./pipeline.js";
import { withActivity } from "../warehouse/activity.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { LockWaitSampler } from "./lock-waits.js";
import { RunRecorder, type NodeTiming } from "./recorder.js";

export interface NodeOutcome {
  node: string;
  kind: string;
  status: "succeeded" | "failed" | "skipped";
  seconds: number;
  rows?: number;
  error?: string;
  /** Where `seconds` went (not for skipped nodes): see trueup.node_runs. */
  timing?: NodeTiming;
}

export interface RunOptions {
  dag: Dag<PipelineNode>;
  /** Nodes to run (default all). Unselected upstreams are assumed built already, as in dbt. */
  selected?: Set<string>;
  context: NodeContext;
  concurrency?: number;
  command?: string;
  selector?: string;
  onNode?: (o: NodeOutcome | { node: string; status: "running" }) => void;
  /** Where run history goes (trueup.runs, node_runs): the warehouse unless given (Snowflake: the orchestrator's Postgres). */
  history?: WarehouseSession;
  /** How long the command waited for the run lock before this run could start. */
  waitRunLockSeconds?: number;
}

/**
 * The in-process runner: nodes start as soon as their selected upstreams succeeded, up to
 * `concurrency` at once; a failure skips only its descendants. Every node's status, timing
 * and rows land in trueup.node_runs as they happen, its time split into waiting for a slot,
 * waiting for warehouse locks (sampled: each node's transactions carry its label) and working.
 */
export async function runDag(
  options: RunOptions,
): Promise<{ status: "succeeded" | "failed"; nodes: NodeOutcome[] }> {
  const { dag, context } = options;
  const selected = options.selected ?? new Set(dag.nodes.keys());
  const order = dag.order(selected);
  const recorder = new RunRecorder(options.history ?? context.warehouse, context.runId);
  await recorder.start(options.command ?? "run", {
    selector: options.selector,
    asOf: new Date(context.asOf),
    waitRunLockSeconds: options.waitRunLockSeconds,
  });
  const sampler = new LockWaitSampler(context.warehouse, `trueup ${context.runId} `);
  sampler.start();
  const label = (id: string) => `${sampler.prefix}${order.indexOf(id)}`;
  const limit = pLimit(options.concurrency ?? context.config.orchestrator.concurrency);
  const outcomes = new Map<string, NodeOutcome>();
  const done = new Map<string, Promise<NodeOutcome>>();

  const run = (id: string): Promise<NodeOutcome> => {
    const existing = done.get(id);
    if (existing) return existing;
    const node = dag.get(id);
    const p = (async (): Promise<NodeOutcome> => {
      const ups = await Promise.all(node.upstream.filter((u) => selected.has(u)).map(run));
      const bad = ups.find((u) => u.status !== "succeeded");
      if (bad) {
        const o: NodeOutcome = {
          node: id,
          kind: node.kind,
          status: "skipped",
          seconds: 0,
          error: `upstream ${bad.node} ${bad.status}`,
        };
        await recorder.nodeStarted(id, node.kind);
        await recorder.nodeFinished(id, { status: "skipped", error: o.error });
        return o;
      }
      const ready = Date.now();
      return limit(async () => {
        const started = Date.now();
        const timing = (): NodeTiming => {
          const lock = sampler.waitedSeconds(label(id));
          return {
            waitSlotSeconds: (started - ready) / 1000,
            waitLockSeconds: lock,
            workSeconds: Math.max(0, (Date.now() - started) / 1000 - (lock ?? 0)),
          };
        };
        options.onNode?.({ node: id, status: "running" });
        await recorder.nodeStarted(id, node.kind);
        context.log.debug({ node: id, kind: node.kind }, "node started");
        try {
          const r = await withActivity(label(id), () =>
            executorFor(node.kind)(node, { ...context, log: context.log.child({ node: id }) }),
          );
          const t = timing();
          await recorder.nodeFinished(id, {
            status: "succeeded",
            rows: r.rows,
            details: r.details,
            timing: t,
          });
          context.log.debug({ node: id, rows: r.rows, ms: Date.now() - started, ...t }, "node succeeded");
          return {
            node: id,
            kind: node.kind,
            status: "succeeded" as const,
            seconds: (Date.now() - started) / 1000,
            rows: r.rows,
            timing: t,
          };
        } catch (err) {
          const error = errorMessage(err);
          const t = timing();
          context.log.error({ node: id, err }, "node failed");
          await recorder.nodeFinished(id, { status: "failed", error, timing: t });
          return {
            node: id,
            kind: node.kind,
            status: "failed" as const,
            seconds: (Date.now() - started) / 1000,
            error,
            timing: t,
          };
        }
      });
    })().then((o) => {
      outcomes.set(id, o);
      options.onNode?.(o);
      return o;
    });
    done.set(id, p);
    return p;
  };

  await Promise.all(order.map(run)).finally(() => sampler.stop());
  const nodes = order.map((id) => outcomes.get(id)!);
  const status = nodes.every((n) => n.status === "succeeded") ? "succeeded" : "failed";
  await recorder.finish(status, {
    nodes: nodes.length,
    failed: nodes.filter((n) => n.status === "failed").length,
    skipped: nodes.filter((n) => n.status === "skipped").length,
  });
  return { status, nodes };
}
