import type { WarehouseSession } from "../warehouse/interfaces.js";

export interface RunRecord {
  run_id: string;
  command: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
  /** Seconds the command waited for the run lock (another run) before starting; null before this was recorded. */
  wait_run_lock_seconds: number | null;
  nodes: NodeRunRecord[];
}

export interface NodeRunRecord {
  node: string;
  kind: string;
  status: string;
  started_at: Date | null;
  finished_at: Date | null;
  attempts: number;
  rows: string | null;
  error: string | null;
  /** Waiting for a concurrency slot once the node could start (null: not recorded, or skipped). */
  wait_slot_seconds: number | null;
  /** Waiting for warehouse locks while it ran (null: the warehouse cannot tell). */
  wait_lock_seconds: number | null;
  /** Its own work: started to finished, less the lock waits. */
  work_seconds: number | null;
  /** Why a succeeded node did no work (`inputs unchanged`: up to date since its last build), else null. */
  skipped: string | null;
  /** What the node's periodic full verification found (`equal`, or `differs`: a defect), else null. */
  verified: string | null;
}

const seconds = (v: unknown): number | null => (v == null ? null : Number(v));

/** The most recent runs, newest first, each with its nodes. */
export async function listRuns(db: WarehouseSession, limit = 10): Promise<RunRecord[]> {
  const runs = await db.query<Omit<RunRecord, "nodes">>(
    `SELECT run_id, command, status, started_at, finished_at, error, wait_run_lock_seconds
       FROM trueup.runs ORDER BY started_at DESC, run_id DESC LIMIT $1`,
    [limit],
  );
  if (runs.length === 0) return [];
  const nodes = await db.query<NodeRunRecord & { run_id: string }>(
    `SELECT run_id, node, kind, status, started_at, finished_at, attempts, rows, error,
            wait_slot_seconds, wait_lock_seconds, work_seconds, details->>'skipped' AS skipped,
            details->>'verified' AS verified
       FROM trueup.node_runs WHERE run_id = ANY($1) ORDER BY started_at NULLS LAST, node`,
    [runs.map((r) => r.run_id)],
  );
  // numeric arrives as text (money must not pass through a float); seconds may.
  return runs.map((r) => ({
    ...r,
    wait_run_lock_seconds: seconds(r.wait_run_lock_seconds),
    nodes: nodes
      .filter((n) => n.run_id === r.run_id)
      .map((n) => ({
        ...n,
        wait_slot_seconds: seconds(n.wait_slot_seconds),
        wait_lock_seconds: seconds(n.wait_lock_seconds),
        work_seconds: seconds(n.work_seconds),
      })),
  }));
}
