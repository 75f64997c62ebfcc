import os from "node:os";
import { redactText, redactedJson } from "../core/redact.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";

/** Where a node's time went: waiting (for a concurrency slot, for locks) and working. */
export interface NodeTiming {
  waitSlotSeconds: number;
  /** Undefined where the warehouse cannot tell lock waits apart (then work includes them). */
  waitLockSeconds?: number;
  workSeconds: number;
}

/**
 * Writes run history (`trueup.runs`, `trueup.node_runs`) as work happens, so `trueup runs`
 * shows a run in progress too. A crashed run shows as `running` with its last node until the
 * next command takes the run lock (orchestration/run-lock.ts) and marks it `abandoned`.
 */
export class RunRecorder {
  constructor(
    private readonly db: WarehouseSession,
    readonly runId: string,
  ) {}

  async start(
    command: string,
    details: { selector?: string; asOf?: Date; waitRunLockSeconds?: number } = {},
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO trueup.runs (run_id, command, status, selector, as_of, host, pid, last_seen_at, wait_run_lock_seconds)
       VALUES ($1, $2, 'running', $3, $4, $5, $6, now(), $7)
       ON CONFLICT (run_id) DO UPDATE SET wait_run_lock_seconds = coalesce(EXCLUDED.wait_run_lock_seconds, trueup.runs.wait_run_lock_seconds)`,
      [
        this.runId,
        command,
        details.selector ?? null,
        details.asOf ?? null,
        os.hostname(),
        process.pid,
        details.waitRunLockSeconds ?? null,
      ],
    );
  }

  async nodeStarted(node: string, kind: string, worker?: string): Promise<void> {
    await this.db.query(
      `INSERT INTO trueup.node_runs (run_id, node, kind, status, started_at, attempts, worker)
       VALUES ($1, $2, $3, 'running', now(), 1, $4)
       ON CONFLICT (run_id, node) DO UPDATE SET status = 'running', started_at = now(),
         attempts = trueup.node_runs.attempts + 1, worker = EXCLUDED.worker, error = NULL`,
      [this.runId, node, kind, worker ?? `${os.hostname()}:${process.pid}`],
    );
  }

  async nodeFinished(
    node: string,
    outcome: {
      status: "succeeded" | "failed" | "skipped";
      rows?: number;
      error?: string;
      details?: unknown;
      timing?: NodeTiming;
    },
  ): Promise<void> {
    const t = outcome.timing;
    await this.db.query(
      `UPDATE trueup.node_runs SET status = $3, finished_at = now(), rows = $4, error = $5, details = $6,
              wait_slot_seconds = $7, wait_lock_seconds = $8, work_seconds = $9
        WHERE run_id = $1 AND node = $2`,
      [
        this.runId,
        node,
        outcome.status,
        outcome.rows ?? null,
        // Error texts and details are stored redacted: a vendor's error may echo a credential.
        outcome.error == null ? null : redactText(outcome.error),
        redactedJson(outcome.details ?? {}),
        t?.waitSlotSeconds ?? null,
        t?.waitLockSeconds ?? null,
        t?.workSeconds ?? null,
      ],
    );
  }

  async finish(
    status: "succeeded" | "failed" | "cancelled",
    summary: unknown = {},
    error?: string,
  ): Promise<void> {
    await this.db.query(
      `UPDATE trueup.runs SET status = $2, finished_at = now(), summary = $3, error = $4 WHERE run_id = $1`,
      [this.runId, status, redactedJson(summary), error == null ? null : redactText(error)],
    );
  }
}
