import type { SyncConfig } from "../config/schema.js";
import { redactText } from "../core/redact.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { reverseStatements } from "../warehouse/statements/reverse.js";
import type { BatchDelivery } from "./deliver.js";
import { dropIntents, intentKey, type Intent } from "./intents.js";
import type { FieldValues, PlannedChange, RunSyncOptions, SyncRunResult } from "./interfaces.js";
import { createdNow, deliveryError, ownedBySync } from "./verify.js";

/**
 * What a batch's delivery leaves in the warehouse, in one transaction: per verified record its
 * snapshot (`reverse.sync_state`) and one audit row per field this run wrote; per failed record
 * its retry row (`reverse.failures`) or, after `maxAttempts`, its dead letter; the intents of
 * the records finished either way go.
 */
export async function recordBatch(
  options: RunSyncOptions,
  d: BatchDelivery,
  result: SyncRunResult,
  intents: Map<string, Intent>,
): Promise<void> {
  const { warehouse: wh, sync } = options;
  const finished: string[] = [];
  await wh.transaction(async (tx) => {
    for (const planned of d.batch) {
      const error = deliveryError(d, planned);
      if (!error) await recordVerified(tx, options, d, planned, result);
      else if (await recordFailed(tx, options, d, planned, error, result)) continue;
      finished.push(planned.recordId);
    }
    await dropIntents(tx, sync.name, finished);
  });
  for (const id of finished) intents.delete(id);
}

async function recordVerified(
  tx: WarehouseSession,
  options: RunSyncOptions,
  d: BatchDelivery,
  c: PlannedChange,
  result: SyncRunResult,
): Promise<void> {
  const { sync, runId } = options;
  if (d.writeErrors.has(c.recordId))
    options.log.warn(
      { sync: sync.name, record: c.recordId, error: d.failures.get(c.recordId) },
      "write response lost; the read-back shows the write landed",
    );
  result.verified++;
  const created = createdNow(d, c.recordId);
  if (created) result.created++;
  // A created record's snapshot is exactly what was sent (fields left out of the plan,
  // unchanged since an earlier delivery to a record since deleted, then go out next run).
  await reverseStatements(tx).saveSyncState(tx, {
    sync: sync.name,
    recordId: c.recordId,
    payload: c.fields,
    runId,
    destinationId: d.destIds.get(c.recordId) ?? null,
    createdBySync: ownedBySync(d, c.recordId),
  });
  await clearFailure(tx, sync.name, c.recordId);
  // Fields already there before this run wrote were delivered by an earlier run (audited
  // as found above) or set by someone else (not trueup's write): no row of this run's.
  const live = d.before.get(c.recordId)?.values ?? {};
  const sentNow = d.toWrite.find((w) => w.recordId === c.recordId)?.fields ?? {};
  const key = intentKey(sync.name, c.recordId, c.fields);
  for (const [field, value] of Object.entries(c.fields)) {
    if (!(field in sentNow)) continue;
    await audit(tx, runId, sync, c.recordId, field, live[field], value, {
      status: created ? "created" : "verified",
      responseId: d.responseIds.get(c.recordId),
      planId: options.approvePlanId,
      sentRunId: runId,
      idempotencyKey: key,
    });
  }
}

/** A record not delivered: retried next run, or dead-lettered. Returns whether it is retried. */
async function recordFailed(
  tx: WarehouseSession,
  options: RunSyncOptions,
  d: BatchDelivery,
  c: PlannedChange,
  error: string,
  result: SyncRunResult,
): Promise<boolean> {
  const { sync, runId } = options;
  const attempts = await recordFailure(tx, sync.name, c.recordId, error, c.fields);
  const dead = attempts >= sync.maxAttempts;
  if (dead) {
    result.deadLettered++;
    await reverseStatements(tx).recordDeadLetter(tx, {
      sync: sync.name,
      recordId: c.recordId,
      payload: c.fields,
      error: redactText(error),
      attempts,
    });
    await clearFailure(tx, sync.name, c.recordId);
  } else result.failed++;
  options.log.warn(
    { sync: sync.name, record: c.recordId, attempts, error },
    dead ? "record dead-lettered" : "record failed; retried next run",
  );
  const live = d.before.get(c.recordId)?.values ?? {};
  for (const [field, value] of Object.entries(c.fields)) {
    await audit(tx, runId, sync, c.recordId, field, live[field], value, {
      status: dead ? "dead_letter" : error.startsWith("read-back") ? "mismatch" : "failed",
      responseId: d.responseIds.get(c.recordId),
      error,
      planId: options.approvePlanId,
    });
  }
  return !dead;
}

async function clearFailure(tx: WarehouseSession, syncName: string, recordId: string): Promise<void> {
  await tx.query(`DELETE FROM reverse.failures WHERE sync = $1 AND record_id = $2`, [syncName, recordId]);
}

/** A failed record's retry row, one attempt more; returns the attempts so far. */
async function recordFailure(
  tx: WarehouseSession,
  syncName: string,
  recordId: string,
  error: string,
  payload: FieldValues,
): Promise<number> {
  // Stored errors are redacted: a destination's error may echo the credential it was sent.
  return reverseStatements(tx).recordFailure(tx, {
    sync: syncName,
    recordId,
    error: redactText(error),
    payload: JSON.stringify(payload),
  });
}

export interface AuditOutcome {
  status: "verified" | "found_delivered" | "created" | "mismatch" | "failed" | "dead_letter" | "deleted";
  responseId?: string;
  error?: string;
  planId?: string;
  /** The run that sent the value (for found_delivered, the earlier run). */
  sentRunId?: string;
  idempotencyKey?: string;
}

/** One field's row in `reverse.audit` (its error redacted). */
export async function audit(
  tx: WarehouseSession,
  runId: string,
  sync: SyncConfig,
  recordId: string,
  field: string,
  before: unknown,
  after: unknown,
  o: AuditOutcome,
): Promise<void> {
  await reverseStatements(tx).writeAudit(tx, {
    runId,
    sync: sync.name,
    destination: sync.destination.system,
    object: sync.destination.object,
    recordId,
    field,
    before,
    after,
    status: o.status,
    responseId: o.responseId ?? null,
    error: o.error == null ? null : redactText(o.error),
    planId: o.planId ?? null,
    sentRunId: o.sentRunId ?? null,
    idempotencyKey: o.idempotencyKey ?? null,
  });
}

/** Moves dead letters back into the retry queue (trueup sync --replay), in one transaction. */
export async function replayDeadLetters(wh: Warehouse, syncName: string): Promise<number> {
  return wh.transaction(async (tx) => {
    const statements = reverseStatements(tx);
    const rows = await statements.markReplayed(tx, syncName);
    for (const r of rows)
      await statements.requeueFailure(tx, {
        sync: syncName,
        recordId: r.recordId,
        error: `replayed: ${r.error}`,
        payload: r.payload,
      });
    return rows.length;
  });
}
