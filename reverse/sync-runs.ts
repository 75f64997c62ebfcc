import os from "node:os";
import { redactText } from "../core/redact.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import { reverseStatements } from "../warehouse/statements/reverse.js";
import type { SyncRunResult } from "./interfaces.js";

/**
 * The run log of syncs, `reverse.sync_runs`: a row written `running` before a sync does anything,
 * its outcome written over it when the sync ends, and the rows of syncs whose process died
 * marked `abandoned` by the next run.
 */

export async function startRunRow(
  wh: Warehouse,
  runId: string,
  syncName: string,
  mode: string,
): Promise<void> {
  await reverseStatements(wh).startSyncRun(wh, {
    runId,
    sync: syncName,
    mode,
    host: os.hostname(),
    pid: process.pid,
  });
}

export async function finishRunRow(
  wh: Warehouse,
  runId: string,
  syncName: string,
  r: SyncRunResult,
): Promise<void> {
  await reverseStatements(wh).recordSyncRun(wh, {
    runId,
    sync: syncName,
    mode: r.mode,
    status: r.status,
    planned: r.plan.changes.length,
    written: r.written,
    verified: r.verified,
    failed: r.failed,
    deadLettered: r.deadLettered,
    writeCalls: r.writeCalls,
    message: r.message == null ? null : redactText(r.message),
    created: r.created,
    deleted: r.deleted,
  });
}

/** Whether a process on this host is gone (a pid on another host cannot be checked from here). */
function processGone(host: string | null, pid: number | null): boolean {
  if (host !== os.hostname() || !pid) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Sync runs left `running` by a process that is gone (killed, crashed) become `abandoned`,
 * saying which run found them; what they sent is then finished, and audited as found delivered,
 * by the run that delivers their records next. `holderOnly`: the caller holds the warehouse's
 * run lock, so no other sync can be running and every `running` row not its own is abandoned.
 */
export async function markAbandonedSyncRuns(
  wh: Warehouse,
  runId: string,
  holderOnly = false,
): Promise<{ runId: string; sync: string }[]> {
  const rows = await wh.query<{ run_id: string; sync: string; host: string | null; pid: unknown }>(
    `SELECT run_id, sync, host, pid FROM reverse.sync_runs WHERE status = 'running' AND run_id <> $1`,
    [runId],
  );
  const gone = rows.filter((r) => holderOnly || processGone(r.host, r.pid === null ? null : Number(r.pid)));
  for (const r of gone)
    await reverseStatements(wh).abandonSyncRun(
      wh,
      r.run_id,
      r.sync,
      `its process (${r.host ?? "?"} pid ${String(r.pid ?? "?")}) ended before the sync finished; found by run ${runId}, which finishes its deliveries`,
    );
  return gone.map((r) => ({ runId: r.run_id, sync: r.sync }));
}
