import { redactText, redactedJson } from "../core/redact.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import type { Dag } from "../core/dag.js";
import type { PipelineNode } from "./pipeline.js";

/**
 * Queued runs (graphile-worker). A run's plan lives in `trueup.runs.plan`; each node is one job
 * with job key `<run>:<node>`, so a node is never queued twice in a run. When a node finishes,
 * its completion and the enqueueing of the children whose upstreams are now all done happen in
 * one transaction under a lock on the run row: concurrent completions on several workers see
 * each other's writes, and fan-in enqueues every child exactly once.
 */
export interface RunPlan {
  selected: string[];
  asOf: string;
  fullRefresh: boolean;
  selector?: string;
}

export const NODE_TASK = "trueup_node";
export const MAX_NODE_ATTEMPTS = 5;

export function jobKey(runId: string, node: string): string {
  return `${runId}:${node}`;
}

/** Extract nodes queue per source: one source's rate limit never holds up another's streams. */
export function queueName(node: PipelineNode): string | null {
  return node.kind === "extract" && node.source ? `trueup:source:${node.source}` : null;
}

async function addNodeJob(db: WarehouseSession, runId: string, node: PipelineNode): Promise<void> {
  await db.query(
    `SELECT graphile_worker.add_job($1, $2::json, queue_name => $3, job_key => $4, max_attempts => $5)`,
    [
      NODE_TASK,
      JSON.stringify({ run_id: runId, node: node.id }),
      queueName(node),
      jobKey(runId, node.id),
      MAX_NODE_ATTEMPTS,
    ],
  );
}

export async function enqueueRun(
  wh: Warehouse,
  dag: Dag<PipelineNode>,
  runId: string,
  plan: RunPlan,
  command = "run",
): Promise<void> {
  const selected = new Set(plan.selected);
  await wh.transaction(async (s) => {
    await s.query(
      `INSERT INTO trueup.runs (run_id, command, status, selector, as_of, plan) VALUES ($1, $2, 'running', $3, $4, $5)`,
      [runId, command, plan.selector ?? null, plan.asOf, JSON.stringify(plan)],
    );
    for (const id of dag.order(selected)) {
      await s.query(
        `INSERT INTO trueup.node_runs (run_id, node, kind, status) VALUES ($1, $2, $3, 'pending')`,
        [runId, id, dag.get(id).kind],
      );
    }
    for (const id of dag.order(selected)) {
      const node = dag.get(id);
      if (node.upstream.every((u) => !selected.has(u))) await addNodeJob(s, runId, node);
    }
  });
}

export type Completion =
  { status: "succeeded"; rows?: number; details?: unknown } | { status: "failed"; error: string };

/**
 * Records a node's end and moves the run on, in one transaction. Returns false when the node had
 * already completed (a duplicate delivery after a crash): then nothing is written.
 */
export async function completeNode(
  tx: WarehouseSession,
  dag: Dag<PipelineNode>,
  runId: string,
  nodeId: string,
  completion: Completion,
): Promise<boolean> {
  const [run] = await tx.query<{ plan: RunPlan; status: string }>(
    `SELECT plan, status FROM trueup.runs WHERE run_id = $1 FOR UPDATE`,
    [runId],
  );
  if (!run) throw new Error(`run ${runId} does not exist`);
  const [current] = await tx.query<{ status: string }>(
    `SELECT status FROM trueup.node_runs WHERE run_id = $1 AND node = $2`,
    [runId, nodeId],
  );
  if (
    !current ||
    current.status === "succeeded" ||
    current.status === "failed" ||
    current.status === "skipped"
  ) {
    return false;
  }
  const selected = new Set(run.plan.selected);
  if (completion.status === "succeeded") {
    await tx.query(
      `UPDATE trueup.node_runs SET status = 'succeeded', finished_at = now(), rows = $3, details = $4, error = NULL,
              completions = completions + 1
        WHERE run_id = $1 AND node = $2`,
      [runId, nodeId, completion.rows ?? null, redactedJson(completion.details ?? {})],
    );
    const statuses = new Map(
      (
        await tx.query<{ node: string; status: string }>(
          `SELECT node, status FROM trueup.node_runs WHERE run_id = $1`,
          [runId],
        )
      ).map((r) => [r.node, r.status]),
    );
    for (const child of dag.children(nodeId)) {
      if (!selected.has(child) || statuses.get(child) !== "pending") continue;
      const ready = dag
        .get(child)
        .upstream.filter((u) => selected.has(u))
        .every((u) => statuses.get(u) === "succeeded");
      if (ready) await addNodeJob(tx, runId, dag.get(child));
    }
  } else {
    await tx.query(
      `UPDATE trueup.node_runs SET status = 'failed', finished_at = now(), error = $3 WHERE run_id = $1 AND node = $2`,
      [runId, nodeId, redactText(completion.error)],
    );
    const skipped = [...dag.descendants(nodeId)].filter((d) => selected.has(d));
    if (skipped.length) {
      await tx.query(
        `UPDATE trueup.node_runs SET status = 'skipped', finished_at = now(), error = $3
          WHERE run_id = $1 AND node = ANY($2) AND status = 'pending'`,
        [runId, skipped, `upstream ${nodeId} failed`],
      );
    }
  }
  const open = await tx.query<{ n: string; failed: string }>(
    `SELECT count(*) FILTER (WHERE status IN ('pending', 'running')) AS n,
            count(*) FILTER (WHERE status IN ('failed', 'skipped')) AS failed
       FROM trueup.node_runs WHERE run_id = $1`,
    [runId],
  );
  if (Number(open[0]!.n) === 0) {
    await tx.query(`UPDATE trueup.runs SET status = $2, finished_at = now() WHERE run_id = $1`, [
      runId,
      Number(open[0]!.failed) === 0 ? "succeeded" : "failed",
    ]);
  }
  return true;
}
