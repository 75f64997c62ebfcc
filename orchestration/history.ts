import type { WarehouseSession } from "../warehouse/interfaces.js";

export interface RunRecord {
  run_id: string;
  command: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
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
}

/** The most recent runs, newest first, each with its nodes. */
export async function listRuns(db: WarehouseSession, limit = 10): Promise<RunRecord[]> {
  const runs = await db.query<Omit<RunRecord, "nodes">>(
    `SELECT run_id, command, status, started_at, finished_at, error
       FROM trueup.runs ORDER BY started_at DESC, run_id DESC LIMIT $1`,
    [limit],
  );
  if (runs.length === 0) return [];
  const nodes = await db.query<NodeRunRecord & { run_id: string }>(
    `SELECT run_id, node, kind, status, started_at, finished_at, attempts, rows, error
       FROM trueup.node_runs WHERE run_id = ANY($1) ORDER BY started_at NULLS LAST, node`,
    [runs.map((r) => r.run_id)],
  );
  return runs.map((r) => ({ ...r, nodes: nodes.filter((n) => n.run_id === r.run_id) }));
}
