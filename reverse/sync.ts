import type { SyncConfig } from "../config/schema.js";
import { errorMessage } from "../core/errors.js";
import { deliverBatch } from "./deliver.js";
import { awaitApproval, circuitBreaker } from "./govern.js";
import { loadPendingPlan, markApplied } from "./governance/plans.js";
import { loadIntents, recordPlanned } from "./intents.js";
import type { RunSyncOptions, SyncPlan, SyncRunResult } from "./interfaces.js";
import { deleteBatch, strandedCreations } from "./mirror.js";
import { planSync } from "./plan.js";
import { finishRunRow, startRunRow } from "./sync-runs.js";

export type { RunSyncOptions, SyncRunResult } from "./interfaces.js";
export { replayDeadLetters } from "./record.js";
export { markAbandonedSyncRuns } from "./sync-runs.js";
export { sameValue } from "./verify.js";

/**
 * One sync: plan (what changed since the last verified delivery), govern (approval, circuit
 * breaker, payload validation), then per batch of the destination's size: read the live values,
 * write only fields that still differ (a write that already landed — say its response was lost —
 * is not repeated), read back, and record every field in `reverse.audit`. Verified records move
 * the snapshot; failures retry next run and, after `maxAttempts`, go to dead letters.
 */
export async function runSync(options: RunSyncOptions): Promise<SyncRunResult> {
  const { warehouse: wh, sync, destination, runId, log } = options;
  const mode = options.dryRun ? "dry-run" : options.approvePlanId ? "approved" : "apply";
  // Written before anything else, so a sync killed at any point leaves a row the next run marks
  // abandoned (see markAbandonedSyncRuns).
  if (!options.dryRun) await startRunRow(wh, runId, sync.name, mode);
  try {
    return await runSyncBody(options, mode);
  } catch (err) {
    if (options.dryRun) throw err;
    const message = `sync ${sync.name} failed: ${errorMessage(err)}`;
    log.error({ sync: sync.name, error: errorMessage(err) }, "sync failed");
    const failed: SyncRunResult = {
      ...emptyResult(sync, mode, emptyPlan(sync)),
      status: "failed",
      writeCalls: destination.writeCalls - callsAtStart(options),
      message,
    };
    await finishRunRow(wh, runId, sync.name, failed);
    return failed;
  }
}

const callsAt = new WeakMap<RunSyncOptions, number>();
function callsAtStart(options: RunSyncOptions): number {
  return callsAt.get(options) ?? options.destination.writeCalls;
}

function emptyPlan(sync: SyncConfig): SyncPlan {
  return {
    sync: sync.name,
    mode: sync.mode,
    destination: sync.destination,
    changes: [],
    deletions: [],
    withheld: 0,
    unchanged: 0,
    total: 0,
  };
}

function emptyResult(sync: SyncConfig, mode: SyncRunResult["mode"], plan: SyncPlan): SyncRunResult {
  return {
    sync: sync.name,
    mode,
    status: "succeeded",
    plan,
    written: 0,
    verified: 0,
    failed: 0,
    deadLettered: 0,
    created: 0,
    deleted: 0,
    skippedAlreadyThere: 0,
    writeCalls: 0,
  };
}

async function runSyncBody(options: RunSyncOptions, mode: SyncRunResult["mode"]): Promise<SyncRunResult> {
  const { warehouse: wh, sync, destination, runId } = options;
  const callsBefore = destination.writeCalls;
  callsAt.set(options, callsBefore);
  const plan = options.approvePlanId
    ? await loadPendingPlan(wh, options.approvePlanId)
    : await planSync(wh, sync);
  plan.deletions ??= []; // plans stored before mirror mode existed
  if (plan.sync !== sync.name)
    throw new Error(`plan ${options.approvePlanId} belongs to sync ${plan.sync}, not ${sync.name}`);
  const base = emptyResult(sync, mode, plan);
  if (options.dryRun) return base;
  const log1 = async (r: SyncRunResult) => {
    await finishRunRow(wh, runId, sync.name, r);
    return r;
  };

  const pending = await awaitApproval(options, plan, base);
  if (pending) return log1(pending);
  // Deliveries an earlier run planned or sent and never verified (its response was lost, or it
  // was killed): finishing them is not new change, and a value found there was sent by that run.
  const intents = await loadIntents(wh, sync.name);
  const stranded =
    sync.mode === "mirror" && !options.approvePlanId ? await strandedCreations(options, plan, intents) : [];
  plan.deletions.push(...stranded);
  if (plan.changes.length === 0 && plan.deletions.length === 0) return log1(base);

  const blocked = await circuitBreaker(options, plan, intents, stranded.length, base);
  if (blocked) return log1(blocked);
  await recordPlanned(wh, sync.name, runId, plan.changes, intents);

  const result = { ...base };
  for (let i = 0; i < plan.changes.length; i += destination.maxBatch) {
    const batch = plan.changes.slice(i, i + destination.maxBatch);
    await deliverBatch(options, batch, result, intents);
  }
  for (let i = 0; i < plan.deletions.length; i += destination.maxBatch)
    await deleteBatch(options, plan.deletions.slice(i, i + destination.maxBatch), result, intents);
  result.writeCalls = destination.writeCalls - callsBefore;
  result.status = result.failed + result.deadLettered > 0 ? "failed" : "succeeded";
  if (options.approvePlanId) await markApplied(wh, options.approvePlanId, runId);
  return log1(result);
}
