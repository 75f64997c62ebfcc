import type { Credentials } from "../config/credentials.js";
import type { Config, SyncConfig } from "../config/schema.js";
import { UsageError } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import { reverseStatements } from "../warehouse/statements/reverse.js";
import { destinationFactory } from "./destinations/index.js";
import { recordApproval } from "./governance/plans.js";
import type { Destination } from "./interfaces.js";
import { markAbandonedSyncRuns, replayDeadLetters, runSync, type SyncRunResult } from "./sync.js";

export interface RunSyncsOptions {
  warehouse: Warehouse;
  config: Config;
  credentials: Credentials;
  runId: string;
  log: Logger;
  /** Sync names; empty: every sync in config. */
  names?: string[];
  dryRun?: boolean;
  /** Pending plan ids to apply (corrections). */
  approve?: string[];
  /** Who approves them (recorded on the plan and as its event). */
  approvedBy?: string;
  /** Move dead letters back into the retry queue first. */
  replay?: boolean;
  /**
   * The caller holds the warehouse's run lock: no other sync can be running, so every sync run
   * left `running` by another run is abandoned (without it, only those of dead processes on
   * this host are known to be).
   */
  runLockHeld?: boolean;
  /** Overrides the destinations built from credentials (one per system). */
  destination?: (system: SyncConfig["destination"]["system"]) => Destination;
}

/**
 * `trueup sync`: the selected syncs in config order; an approved plan runs only its own sync. A
 * sync that is blocked or fails does not stop the others: each has its result (and its
 * `reverse.sync_runs` row), and the caller decides what a bad one means (the CLI exits 1).
 */
export async function runSyncs(options: RunSyncsOptions): Promise<SyncRunResult[]> {
  const { config } = options;
  const known = new Map(config.syncs.map((s) => [s.name, s]));
  for (const n of options.names ?? [])
    if (!known.has(n))
      throw new UsageError(`unknown sync "${n}"; configured: ${[...known.keys()].join(", ") || "none"}`);
  const destination =
    options.destination ??
    destinationFactory(config, options.credentials, { runId: options.runId, log: options.log });
  const results: SyncRunResult[] = [];
  if (!options.dryRun) {
    const abandoned = await markAbandonedSyncRuns(options.warehouse, options.runId, options.runLockHeld);
    for (const a of abandoned)
      options.log.warn(
        { sync: a.sync, abandonedRun: a.runId },
        "an earlier sync run was killed before it finished; this run finishes and audits its deliveries",
      );
  }
  if (options.approve?.length) {
    const rows = await reverseStatements(options.warehouse).plansById(options.warehouse, options.approve);
    for (const id of options.approve) {
      const row = rows.find((r) => r.plan_id === id);
      if (!row) throw new UsageError(`no correction plan ${id} (see reverse.plans)`);
      if (row.status !== "pending")
        throw new UsageError(`plan ${id} is ${row.status}, not pending: it cannot be applied again`);
      const sync = known.get(row.sync);
      if (!sync)
        throw new UsageError(`plan ${id} belongs to sync ${row.sync}, which is no longer configured`);
      await recordApproval(options.warehouse, id, options.approvedBy ?? "unknown", options.runId);
      options.log.info({ plan_id: id, approved_by: options.approvedBy }, "correction plan approved");
      results.push(
        await runSync({
          warehouse: options.warehouse,
          sync,
          destination: destination(sync.destination.system),
          runId: options.runId,
          log: options.log,
          approvePlanId: id,
        }),
      );
    }
    return results;
  }
  const selected = options.names?.length ? options.names.map((n) => known.get(n)!) : config.syncs;
  for (const sync of selected) {
    if (options.replay) {
      const n = await replayDeadLetters(options.warehouse, sync.name);
      if (n) options.log.info({ sync: sync.name, records: n }, "dead letters replayed");
    }
    results.push(
      await runSync({
        warehouse: options.warehouse,
        sync,
        destination: destination(sync.destination.system),
        runId: options.runId,
        log: options.log,
        dryRun: options.dryRun,
      }),
    );
  }
  return results;
}
