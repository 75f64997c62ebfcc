import { resolveActor } from "../reconcile/ledger.js";
import { runSyncs } from "../reverse/run.js";
import type { SyncRunResult } from "../reverse/sync.js";
import { lockRun, withSession, type Session, type TrueupOptions } from "./session.js";

export interface RunSyncOptions {
  /** Syncs to run, by name; default all. */
  names?: string[];
  /** Plan field by field and write nothing. */
  dryRun?: boolean;
  /** Pending correction plans (by id) to run exactly as planned. */
  approve?: string[];
  /** Who approves them: default TRUEUP_USER, else the OS user. */
  approvedBy?: string;
  /** Retry the dead letters. */
  replay?: boolean;
}

export type SyncOptions = TrueupOptions & RunSyncOptions;

export interface SyncResult {
  runId: string;
  /** One per sync; `failed` or `blocked` ones say why in `message`. */
  syncs: SyncRunResult[];
}

/** Reverse-ETL syncs into the CRM and support systems: `trueup sync`. */
export function sync(options: SyncOptions = {}): Promise<SyncResult> {
  return withSession(options, (session) => runSync(session, options));
}

export async function runSync(session: Session, opts: RunSyncOptions): Promise<SyncResult> {
  const { warehouse } = await session.warehouse();
  // A dry run writes nothing, so it does not wait for (or hold up) a run in progress.
  if (!opts.dryRun) await lockRun(session, "sync");
  const syncs = await runSyncs({
    warehouse,
    config: session.loaded.config,
    credentials: session.credentials(),
    runId: session.runId,
    log: session.log,
    names: opts.names ?? [],
    dryRun: opts.dryRun,
    approve: opts.approve,
    approvedBy: opts.approve?.length ? resolveActor(opts.approvedBy) : undefined,
    replay: opts.replay,
    runLockHeld: !opts.dryRun,
  });
  return { runId: session.runId, syncs };
}
