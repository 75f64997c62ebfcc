import os from "node:os";
import type { SyncConfig } from "../config/schema.js";
import { errorMessage } from "../core/errors.js";
import { redactText } from "../core/redact.js";
import type { Logger } from "../core/log.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { reverseStatements } from "../warehouse/statements/reverse.js";
import {
  dropIntents,
  foundDeliveries,
  intentKey,
  loadIntents,
  recordPlanned,
  rewriteIntents,
  sentIntents,
  withoutSenders,
  type Intent,
} from "./intents.js";
import { loadPendingPlan, markApplied, savePendingPlan } from "./governance/plans.js";
import type { Destination, FieldValues, PlannedChange, SyncPlan, UpsertOutcome } from "./interfaces.js";
import { planSync } from "./plan.js";

export interface SyncRunResult {
  sync: string;
  mode: "dry-run" | "apply" | "pending-approval" | "approved";
  status: "succeeded" | "failed" | "blocked" | "pending";
  plan: SyncPlan;
  planId?: string;
  written: number;
  verified: number;
  failed: number;
  deadLettered: number;
  /** Records created (upsert/mirror) and deleted (mirror) in the destination. */
  created: number;
  deleted: number;
  skippedAlreadyThere: number;
  writeCalls: number;
  message?: string;
}

export interface RunSyncOptions {
  warehouse: Warehouse;
  sync: SyncConfig;
  destination: Destination;
  runId: string;
  log: Logger;
  dryRun?: boolean;
  /** Run this stored plan exactly (trueup sync --approve ID). */
  approvePlanId?: string;
}

/** Loose equality across vendor representations: 12 and "12", "2026-01-01" and a date string. */
export function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

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
  const { warehouse: wh, sync, destination, runId, log } = options;
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

  if (sync.requiresApproval && !options.approvePlanId) {
    if (plan.changes.length === 0)
      return log1({ ...base, mode: "pending-approval", status: "succeeded", message: "nothing to correct" });
    const id = await savePendingPlan(wh, plan, runId);
    log.info({ sync: sync.name, plan: id, changes: plan.changes.length }, "correction plan awaits approval");
    return log1({
      ...base,
      mode: "pending-approval",
      status: "pending",
      planId: id,
      message: `approve with: trueup sync ${sync.name} --approve ${id}`,
    });
  }
  // Deliveries an earlier run planned or sent and never verified (its response was lost, or it
  // was killed): finishing them is not new change, and a value found there was sent by that run.
  const intents = await loadIntents(wh, sync.name);
  const stranded =
    sync.mode === "mirror" && !options.approvePlanId ? await strandedCreations(options, plan, intents) : [];
  plan.deletions.push(...stranded);
  if (plan.changes.length === 0 && plan.deletions.length === 0) return log1(base);

  // Circuit breaker: blocks a sync that would change too much of the destination at once. The
  // first delivery of a new sync is exempt (everything is new then), as are approved plans and
  // retries of unfinished deliveries.
  const [{ n: sentBefore }] = (await wh.query<{ n: string }>(
    `SELECT count(*) AS n FROM reverse.sync_state WHERE sync = $1`,
    [sync.name],
  )) as [{ n: string }];
  if (Number(sentBefore) > 0 && !options.approvePlanId) {
    const fresh = plan.changes.filter((c) => !c.retry && !intents.has(c.recordId)).length;
    const touched = fresh + plan.deletions.length - stranded.length;
    const size = touched ? await destination.count(sync.destination.object) : 0;
    const share = size ? touched / size : touched ? 1 : 0;
    if (share > sync.maxChangeShare) {
      const retries = plan.changes.length - fresh;
      const message = `circuit breaker: ${touched} of ${size} ${sync.destination.object} records (${(share * 100).toFixed(1)} %) would change, above the limit of ${(sync.maxChangeShare * 100).toFixed(0)} %${retries ? ` (not counting ${retries} retries of unfinished deliveries)` : ""}; nothing was written. Check the model, then raise syncs.${sync.name}.maxChangeShare or run a dry run to review.`;
      log.error({ sync: sync.name, changes: touched, retries, size }, message);
      return log1({ ...base, status: "blocked", message });
    }
  }
  await recordPlanned(wh, sync.name, runId, plan.changes, intents);

  const result = { ...base };
  for (let i = 0; i < plan.changes.length; i += destination.maxBatch) {
    const batch = plan.changes.slice(i, i + destination.maxBatch);
    await deliverBatch(options, batch, result, intents);
  }
  for (let i = 0; i < plan.deletions.length; i += destination.maxBatch)
    await deleteBatch(options, plan.deletions.slice(i, i + destination.maxBatch), result);
  result.writeCalls = destination.writeCalls - callsBefore;
  result.status = result.failed + result.deadLettered > 0 ? "failed" : "succeeded";
  if (options.approvePlanId) await markApplied(wh, options.approvePlanId, runId);
  return log1(result);
}

async function deliverBatch(
  options: RunSyncOptions,
  batch: PlannedChange[],
  result: SyncRunResult,
  intents: Map<string, Intent>,
): Promise<void> {
  const { warehouse: wh, sync, destination, runId } = options;
  const object = sync.destination.object;
  const ids = batch.map((c) => c.recordId);
  // What the earlier runs left unfinished, as it stood before this batch sends anything.
  const prior = new Map(ids.flatMap((id) => (intents.has(id) ? [[id, intents.get(id)!] as const] : [])));
  const fields = [
    ...new Set([
      ...batch.flatMap((c) => Object.keys(c.fields)),
      ...[...prior.values()].flatMap((i) => Object.keys(i.fields)),
    ]),
  ];
  const failures = new Map<string, string>();
  // update: records are the destination's own ids. upsert/mirror: records are external keys,
  // found (or created) through the match key field; the destination's id is learned here.
  const keyed = sync.mode !== "update";
  const readLive = async (keys: string[]): Promise<Map<string, { id: string; values: FieldValues }>> => {
    if (keyed) return destination.readByKey(object, sync.matchKey.field, keys, fields);
    const m = await destination.read(object, keys, fields);
    return new Map([...m].map(([id, values]) => [id, { id, values }]));
  };
  const destIds = new Map<string, string>();
  for (const [id, i] of prior) if (i.destinationId) destIds.set(id, i.destinationId);

  // Validate every outbound payload against the destination's field types.
  const valid: PlannedChange[] = [];
  for (const c of batch) {
    const problems = await destination.validate(object, c.fields);
    if (problems.length) failures.set(c.recordId, `invalid payload: ${problems.join("; ")}`);
    else valid.push(c);
  }

  let before = new Map<string, { id: string; values: FieldValues }>();
  try {
    before = await readLive(ids);
    for (const [key, r] of before) destIds.set(key, r.id);
  } catch (err) {
    for (const c of valid) failures.set(c.recordId, `could not read current values: ${errorMessage(err)}`);
  }
  // Values an earlier run sent that the destination holds: delivered, audited once, here.
  const found = new Map<string, ReturnType<typeof foundDeliveries>>();
  for (const [id, i] of prior) {
    const f = foundDeliveries(i, before.get(id)?.values, sameValue);
    if (!f.length) continue;
    found.set(id, f);
    intents.set(
      id,
      withoutSenders(
        i,
        f.map((x) => x.field),
      ),
    );
  }
  const toWrite: PlannedChange[] = [];
  const already: PlannedChange[] = [];
  for (const c of valid) {
    if (failures.has(c.recordId)) continue;
    const live = before.get(c.recordId)?.values;
    if (!live) {
      if (keyed)
        toWrite.push(c); // not there yet: upsert creates it
      else failures.set(c.recordId, `record ${c.recordId} not found in ${sync.destination.system} ${object}`);
      continue;
    }
    const differing = Object.fromEntries(Object.entries(c.fields).filter(([f, v]) => !sameValue(live[f], v)));
    if (Object.keys(differing).length === 0) already.push(c);
    else toWrite.push({ ...c, fields: differing });
  }
  // A record absent before a keyed send and present after it was created by this sync, even
  // when the response saying so was lost; the intent keeps that across runs.
  const absentBefore = (id: string) => (keyed && !before.has(id)) || prior.get(id)?.absentBefore === true;
  // Before anything is sent, in one transaction: the deliveries found (audited once) and the
  // intents saying what this batch sends; the found fields no longer name their sender, so a
  // later run never reports them again, and a kill before this commit leaves both undone.
  const sentRows = sentIntents(
    sync.name,
    runId,
    toWrite.map((c) => ({
      change: batch.find((b) => b.recordId === c.recordId)!,
      sent: c.fields,
      destinationId: destIds.get(c.recordId) ?? null,
      absentBefore: absentBefore(c.recordId),
    })),
    intents,
  );
  if (found.size || sentRows.length) {
    const sending = new Set(sentRows.map((r) => r.recordId));
    await wh.transaction(async (tx) => {
      for (const [id, list] of found)
        for (const f of list)
          await audit(tx, runId, sync, id, f.field, null, f.value, {
            status: "found_delivered",
            planId: options.approvePlanId,
            sentRunId: f.sentBy,
            idempotencyKey: prior.get(id)!.idempotencyKey,
          });
      await rewriteIntents(tx, sync.name, [
        ...[...found.keys()].filter((id) => !sending.has(id)).map((id) => intents.get(id)!),
        ...sentRows,
      ]);
    });
    for (const r of sentRows) intents.set(r.recordId, r);
  }
  const responseIds = new Map<string, string | undefined>();
  const writeErrors = new Set<string>();
  if (toWrite.length) {
    try {
      const outcomes: UpsertOutcome[] = keyed
        ? await destination.upsert(
            object,
            sync.matchKey.field,
            toWrite.map((c) => ({ ...c, destinationId: destIds.get(c.recordId) })),
          )
        : await destination.write(object, toWrite);
      for (const o of outcomes) {
        responseIds.set(o.recordId, o.responseId);
        if (!o.ok) failures.set(o.recordId, o.error ?? "rejected by the destination");
        if (o.destinationId) destIds.set(o.recordId, o.destinationId);
      }
      result.written += outcomes.filter((o) => o.ok).length;
    } catch (err) {
      for (const c of toWrite) {
        failures.set(c.recordId, `write failed: ${errorMessage(err)}`);
        writeErrors.add(c.recordId);
      }
    }
  }
  result.skippedAlreadyThere += already.length;

  // Read back: "synced" means the destination really holds the values. Records whose write
  // failed are read back too: a write can land while its response is lost.
  const sent = [...toWrite, ...already];
  let after = new Map<string, { id: string; values: FieldValues }>();
  if (sent.length) {
    try {
      after = await readLive(sent.map((c) => c.recordId));
      for (const [key, r] of after) destIds.set(key, r.id);
    } catch (err) {
      for (const c of sent)
        if (!failures.has(c.recordId)) failures.set(c.recordId, `read-back failed: ${errorMessage(err)}`);
    }
  }
  const sentIds = new Set(sent.map((c) => c.recordId));
  // Created by this send; owned by the sync also when an earlier run's send created it.
  const createdNow = (id: string) => keyed && !before.has(id) && after.has(id);
  const owned = (id: string) => absentBefore(id) && after.has(id);

  const finished: string[] = [];
  await wh.transaction(async (tx) => {
    const statements = reverseStatements(tx);
    for (const planned of batch) {
      const c = planned;
      const live = before.get(c.recordId)?.values ?? {};
      const got = after.get(c.recordId)?.values;
      const landed =
        sentIds.has(c.recordId) &&
        got !== undefined &&
        Object.entries(planned.fields).every(([f, v]) => sameValue(got[f], v));
      let error = landed ? undefined : failures.get(c.recordId);
      if (!error && !landed) {
        const wrong = Object.entries(planned.fields).filter(([f, v]) => !sameValue(got?.[f], v));
        error = `read-back mismatch on ${wrong.map(([f]) => f).join(", ")}`;
      }
      if (!error) {
        if (writeErrors.has(c.recordId))
          options.log.warn(
            { sync: sync.name, record: c.recordId, error: failures.get(c.recordId) },
            "write response lost; the read-back shows the write landed",
          );
        result.verified++;
        const isCreated = owned(c.recordId);
        if (createdNow(c.recordId)) result.created++;
        // A created record's snapshot is exactly what was sent (fields left out of the plan,
        // unchanged since an earlier delivery to a record since deleted, then go out next run).
        await statements.saveSyncState(tx, {
          sync: sync.name,
          recordId: c.recordId,
          payload: planned.fields,
          runId,
          destinationId: destIds.get(c.recordId) ?? null,
          createdBySync: isCreated,
        });
        await tx.query(`DELETE FROM reverse.failures WHERE sync = $1 AND record_id = $2`, [
          sync.name,
          c.recordId,
        ]);
        finished.push(c.recordId);
        // Fields already there before this run wrote were delivered by an earlier run (audited
        // as found above) or set by someone else (not trueup's write): no row of this run's.
        const sentNow = toWrite.find((w) => w.recordId === c.recordId)?.fields ?? {};
        const key = intentKey(sync.name, c.recordId, planned.fields);
        for (const [field, value] of Object.entries(planned.fields)) {
          if (!(field in sentNow)) continue;
          await audit(tx, runId, sync, c.recordId, field, live[field], value, {
            status: createdNow(c.recordId) ? "created" : "verified",
            responseId: responseIds.get(c.recordId),
            planId: options.approvePlanId,
            sentRunId: runId,
            idempotencyKey: key,
          });
        }
        continue;
      }
      const attempts = await recordFailure(tx, sync.name, c.recordId, error, planned.fields);
      const dead = attempts >= sync.maxAttempts;
      if (dead) {
        result.deadLettered++;
        finished.push(c.recordId);
        await statements.recordDeadLetter(tx, {
          sync: sync.name,
          recordId: c.recordId,
          payload: planned.fields,
          error: redactText(error),
          attempts,
        });
        await tx.query(`DELETE FROM reverse.failures WHERE sync = $1 AND record_id = $2`, [
          sync.name,
          c.recordId,
        ]);
      } else result.failed++;
      options.log.warn(
        { sync: sync.name, record: c.recordId, attempts, error },
        dead ? "record dead-lettered" : "record failed; retried next run",
      );
      for (const [field, value] of Object.entries(planned.fields)) {
        await audit(tx, runId, sync, c.recordId, field, live[field], value, {
          status: dead ? "dead_letter" : error.startsWith("read-back") ? "mismatch" : "failed",
          responseId: responseIds.get(c.recordId),
          error,
          planId: options.approvePlanId,
        });
      }
    }
    await dropIntents(tx, sync.name, finished);
  });
  for (const id of finished) intents.delete(id);
}

/**
 * Mirror: records an earlier run sent as new (none had the key before) whose delivery it never
 * finished, and that have left the model since. The sync created them, but no snapshot says so;
 * those still found by their key are deleted like any record the sync created, the intents of
 * the others (never created) go.
 */
async function strandedCreations(
  options: RunSyncOptions,
  plan: SyncPlan,
  intents: Map<string, Intent>,
): Promise<SyncPlan["deletions"]> {
  const { warehouse: wh, sync, destination } = options;
  const planned = new Set([...plan.changes, ...plan.deletions].map((c) => c.recordId));
  const ids = [...intents.values()]
    .filter((i) => i.sent && i.absentBefore && !planned.has(i.recordId))
    .map((i) => i.recordId);
  if (!ids.length) return [];
  const found = new Map<string, { id: string; values: FieldValues }>();
  for (let i = 0; i < ids.length; i += destination.maxBatch)
    for (const [k, v] of await destination.readByKey(
      sync.destination.object,
      sync.matchKey.field,
      ids.slice(i, i + destination.maxBatch),
      Object.keys(sync.mapping),
    ))
      found.set(k, v);
  const never = ids.filter((id) => !found.has(id));
  await dropIntents(wh, sync.name, never);
  for (const id of never) intents.delete(id);
  // What the earlier run's creation set is audited as delivered before the record goes.
  await wh.transaction(async (tx) => {
    const cleared: Intent[] = [];
    for (const [id, r] of found) {
      const intent = intents.get(id)!;
      const delivered = foundDeliveries(intent, r.values, sameValue);
      for (const f of delivered)
        await audit(tx, options.runId, sync, id, f.field, null, f.value, {
          status: "found_delivered",
          sentRunId: f.sentBy,
          idempotencyKey: intent.idempotencyKey,
        });
      if (delivered.length) {
        const next = withoutSenders(
          intent,
          delivered.map((f) => f.field),
        );
        intents.set(id, next);
        cleared.push(next);
      }
    }
    await rewriteIntents(tx, sync.name, cleared);
  });
  return [...found].map(([recordId, r]) => ({ recordId, destinationId: r.id, previous: r.values }));
}

/**
 * Mirror: deletes records this sync created that left the model. A deleted record's state row
 * goes (a record that comes back is created anew); the audit keeps what it held.
 */
async function deleteBatch(
  options: RunSyncOptions,
  batch: SyncPlan["deletions"],
  result: SyncRunResult,
): Promise<void> {
  const { warehouse: wh, sync, destination, runId } = options;
  let outcomes: { recordId: string; ok: boolean; error?: string; responseId?: string }[];
  try {
    const byId = await destination.remove(
      sync.destination.object,
      batch.map((d) => d.destinationId),
    );
    outcomes = batch.map((d, i) => ({ ...byId[i]!, recordId: d.recordId }));
  } catch (err) {
    outcomes = batch.map((d) => ({
      recordId: d.recordId,
      ok: false,
      error: `delete failed: ${errorMessage(err)}`,
    }));
  }
  // A delete that failed may have landed (its response lost) or landed in an earlier run that
  // was killed before recording it: a record no longer found by its key is deleted.
  const unsure = outcomes.filter((o) => !o.ok).map((o) => o.recordId);
  if (unsure.length) {
    try {
      const still = await destination.readByKey(
        sync.destination.object,
        sync.matchKey.field,
        unsure,
        Object.keys(sync.mapping),
      );
      for (const o of outcomes)
        if (!o.ok && !still.has(o.recordId)) {
          options.log.info(
            { sync: sync.name, record: o.recordId, error: o.error },
            "mirror delete: the record is already gone",
          );
          Object.assign(o, { ok: true, error: undefined });
        }
    } catch (err) {
      options.log.warn({ sync: sync.name, error: errorMessage(err) }, "mirror delete: could not check");
    }
  }
  await wh.transaction(async (tx) => {
    await dropIntents(
      tx,
      sync.name,
      outcomes.filter((o) => o.ok).map((o) => o.recordId),
    );
    for (const [i, o] of outcomes.entries()) {
      const d = batch[i]!;
      if (o.ok) {
        result.deleted++;
        await tx.query(`DELETE FROM reverse.sync_state WHERE sync = $1 AND record_id = $2`, [
          sync.name,
          d.recordId,
        ]);
      } else {
        result.failed++;
        options.log.warn(
          { sync: sync.name, record: d.recordId, error: o.error },
          "mirror delete failed; retried next run",
        );
      }
      await audit(tx, runId, sync, d.recordId, "*", { id: d.destinationId, ...d.previous }, null, {
        status: o.ok ? "deleted" : "failed",
        responseId: o.responseId,
        error: o.ok ? undefined : o.error,
        planId: options.approvePlanId,
        sentRunId: o.ok ? runId : undefined,
      });
    }
  });
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

interface AuditOutcome {
  status: "verified" | "found_delivered" | "created" | "mismatch" | "failed" | "dead_letter" | "deleted";
  responseId?: string;
  error?: string;
  planId?: string;
  /** The run that sent the value (for found_delivered, the earlier run). */
  sentRunId?: string;
  idempotencyKey?: string;
}

async function audit(
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

async function startRunRow(wh: Warehouse, runId: string, syncName: string, mode: string): Promise<void> {
  await reverseStatements(wh).startSyncRun(wh, {
    runId,
    sync: syncName,
    mode,
    host: os.hostname(),
    pid: process.pid,
  });
}

async function finishRunRow(wh: Warehouse, runId: string, syncName: string, r: SyncRunResult): Promise<void> {
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
