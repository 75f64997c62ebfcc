import os from "node:os";
import type { SyncConfig } from "../config/schema.js";
import { errorMessage } from "../core/errors.js";
import { redactText } from "../core/redact.js";
import type { Logger } from "../core/log.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
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
        await tx.query(
          tx.dialect === "snowflake"
            ? SF.saveState(Object.keys(planned.fields).length)
            : `INSERT INTO reverse.sync_state (sync, record_id, payload, last_sent_at, last_run_id, destination_id, created_by_sync)
           VALUES ($1, $2, $3, now(), $4, $5, $6)
           ON CONFLICT (sync, record_id) DO UPDATE SET
             payload = CASE WHEN EXCLUDED.created_by_sync THEN EXCLUDED.payload ELSE reverse.sync_state.payload || EXCLUDED.payload END,
             last_sent_at = now(), last_run_id = EXCLUDED.last_run_id,
             destination_id = coalesce(EXCLUDED.destination_id, reverse.sync_state.destination_id),
             created_by_sync = reverse.sync_state.created_by_sync OR EXCLUDED.created_by_sync`,
          [
            sync.name,
            c.recordId,
            JSON.stringify(planned.fields),
            runId,
            destIds.get(c.recordId) ?? null,
            isCreated,
            // Snowflake: the keys merged into the snapshot, one OBJECT_INSERT each (see SF.saveState).
            ...(tx.dialect === "snowflake" ? Object.keys(planned.fields) : []),
          ],
        );
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
        await tx.query(
          tx.dialect === "snowflake"
            ? SF.deadLetter
            : `INSERT INTO reverse.dead_letters (sync, record_id, payload, error, attempts) VALUES ($1, $2, $3, $4, $5)`,
          [sync.name, c.recordId, JSON.stringify(planned.fields), redactText(error), attempts],
        );
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

/**
 * A failed record's retry row, one attempt more; returns the attempts so far. Snowflake has no
 * RETURNING: its MERGE is followed by a read of the row, in the same transaction.
 */
async function recordFailure(
  tx: WarehouseSession,
  syncName: string,
  recordId: string,
  error: string,
  payload: FieldValues,
): Promise<number> {
  // Stored errors are redacted: a destination's error may echo the credential it was sent.
  error = redactText(error);
  if (tx.dialect === "snowflake") {
    await tx.query(SF.failure, [syncName, recordId, error, JSON.stringify(payload)]);
    const [row] = await tx.query<{ attempts: unknown }>(SF.failureAttempts, [syncName, recordId]);
    return Number(row?.attempts ?? 1);
  }
  const [{ attempts }] = (await tx.query<{ attempts: number }>(
    `INSERT INTO reverse.failures (sync, record_id, attempts, last_error, payload) VALUES ($1, $2, 1, $3, $4)
         ON CONFLICT (sync, record_id) DO UPDATE SET attempts = reverse.failures.attempts + 1, last_error = EXCLUDED.last_error,
           payload = EXCLUDED.payload, updated_at = now()
         RETURNING attempts`,
    [syncName, recordId, error, JSON.stringify(payload)],
  )) as [{ attempts: number }];
  return attempts;
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
  await tx.query(
    tx.dialect === "snowflake"
      ? SF.audit
      : `INSERT INTO reverse.audit (run_id, sync, destination, object, record_id, field, before, after, status, response_id, error, plan_id, sent_run_id, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      runId,
      sync.name,
      sync.destination.system,
      sync.destination.object,
      recordId,
      field,
      JSON.stringify(before ?? null),
      JSON.stringify(after ?? null),
      o.status,
      o.responseId ?? null,
      o.error == null ? null : redactText(o.error),
      o.planId ?? null,
      o.sentRunId ?? null,
      o.idempotencyKey ?? null,
    ],
  );
}

async function startRunRow(wh: Warehouse, runId: string, syncName: string, mode: string): Promise<void> {
  await wh.query(
    wh.dialect === "snowflake"
      ? SF.startRun
      : `INSERT INTO reverse.sync_runs (run_id, sync, mode, status, host, pid) VALUES ($1, $2, $3, 'running', $4, $5)
         ON CONFLICT (run_id, sync) DO NOTHING`,
    [runId, syncName, mode, os.hostname(), process.pid],
  );
}

async function finishRunRow(wh: Warehouse, runId: string, syncName: string, r: SyncRunResult): Promise<void> {
  await wh.query(
    wh.dialect === "snowflake"
      ? SF.syncRun
      : `INSERT INTO reverse.sync_runs (run_id, sync, mode, status, finished_at, planned, written, verified, failed, dead_lettered, write_calls, message, created, deleted)
       VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (run_id, sync) DO UPDATE SET mode = EXCLUDED.mode, status = EXCLUDED.status, finished_at = now(),
         planned = EXCLUDED.planned, written = EXCLUDED.written, verified = EXCLUDED.verified, failed = EXCLUDED.failed,
         dead_lettered = EXCLUDED.dead_lettered, write_calls = EXCLUDED.write_calls, message = EXCLUDED.message,
         created = EXCLUDED.created, deleted = EXCLUDED.deleted`,
    [
      runId,
      syncName,
      r.mode,
      r.status,
      r.plan.changes.length,
      r.written,
      r.verified,
      r.failed,
      r.deadLettered,
      r.writeCalls,
      r.message == null ? null : redactText(r.message),
      r.created,
      r.deleted,
    ],
  );
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
    await wh.query(
      wh.dialect === "snowflake"
        ? `UPDATE "reverse"."sync_runs" SET "status" = 'abandoned', "finished_at" = CURRENT_TIMESTAMP(), "message" = $3
            WHERE "run_id" = $1 AND "sync" = $2 AND "status" = 'running'`
        : `UPDATE reverse.sync_runs SET status = 'abandoned', finished_at = now(), message = $3
            WHERE run_id = $1 AND sync = $2 AND status = 'running'`,
      [
        r.run_id,
        r.sync,
        `its process (${r.host ?? "?"} pid ${String(r.pid ?? "?")}) ended before the sync finished; found by run ${runId}, which finishes its deliveries`,
      ],
    );
  return gone.map((r) => ({ runId: r.run_id, sync: r.sync }));
}

/** Moves dead letters back into the retry queue (trueup sync --replay). */
export async function replayDeadLetters(wh: Warehouse, syncName: string): Promise<number> {
  if (wh.dialect === "snowflake") return replayDeadLettersSnowflake(wh, syncName);
  return wh.transaction(async (tx) => {
    const rows = await tx.query<{ record_id: string; payload: unknown; error: string }>(
      `UPDATE reverse.dead_letters SET replayed_at = now() WHERE sync = $1 AND replayed_at IS NULL RETURNING record_id, payload, error`,
      [syncName],
    );
    for (const r of rows) {
      await tx.query(
        `INSERT INTO reverse.failures (sync, record_id, attempts, last_error, payload) VALUES ($1, $2, 0, $3, $4)
         ON CONFLICT (sync, record_id) DO UPDATE SET attempts = 0`,
        [syncName, r.record_id, `replayed: ${r.error}`, JSON.stringify(r.payload)],
      );
    }
    return rows.length;
  });
}

/**
 * Snowflake: the dead letters to replay are read first, then marked by id (no RETURNING), then
 * queued as failures with a MERGE (no ON CONFLICT), all in one transaction.
 */
async function replayDeadLettersSnowflake(wh: Warehouse, syncName: string): Promise<number> {
  return wh.transaction(async (tx) => {
    const rows = await tx.query<{ id: unknown; record_id: string; payload: unknown; error: string }>(
      SF.deadLettersToReplay,
      [syncName],
    );
    if (!rows.length) return 0;
    await tx.query(SF.markReplayed, [syncName, JSON.stringify(rows.map((r) => String(r.id)))]);
    for (const r of rows)
      await tx.query(SF.requeue, [syncName, r.record_id, `replayed: ${r.error}`, jsonText(r.payload)]);
    return rows.length;
  });
}

/** A VARIANT as JSON text: snowflake-sdk hands it back parsed or as its text. */
function jsonText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The Snowflake text of the statements above whose Postgres form Snowflake lacks: upserts are
 * MERGEs (Snowflake records primary keys without enforcing them and has no ON CONFLICT), JSON
 * goes in through PARSE_JSON in a SELECT (not allowed in VALUES), CURRENT_TIMESTAMP() for now().
 * Binds are numbered as on Postgres (the session sends `$n` as `:n`).
 */
const SF = {
  syncRun: `MERGE INTO "reverse"."sync_runs" t
USING (SELECT $1 AS "run_id", $2 AS "sync", $3 AS "mode", $4 AS "status", $5 AS "planned", $6 AS "written",
              $7 AS "verified", $8 AS "failed", $9 AS "dead_lettered", $10 AS "write_calls", $11 AS "message",
              $12 AS "created", $13 AS "deleted") s
ON t."run_id" = s."run_id" AND t."sync" = s."sync"
WHEN MATCHED THEN UPDATE SET t."mode" = s."mode", t."status" = s."status", t."finished_at" = CURRENT_TIMESTAMP(),
  t."planned" = s."planned", t."written" = s."written", t."verified" = s."verified", t."failed" = s."failed",
  t."dead_lettered" = s."dead_lettered", t."write_calls" = s."write_calls", t."message" = s."message",
  t."created" = s."created", t."deleted" = s."deleted"
WHEN NOT MATCHED THEN INSERT ("run_id", "sync", "mode", "status", "finished_at", "planned", "written", "verified",
    "failed", "dead_lettered", "write_calls", "message", "created", "deleted")
  VALUES (s."run_id", s."sync", s."mode", s."status", CURRENT_TIMESTAMP(), s."planned", s."written", s."verified",
    s."failed", s."dead_lettered", s."write_calls", s."message", s."created", s."deleted")`,

  /**
   * A verified record's snapshot. Postgres merges the payloads with `||`; Snowflake has no object
   * merge, so each delivered key ($7…, one per key) is written over the old payload with
   * OBJECT_INSERT (update flag TRUE; a JSON null value is kept, as `||` keeps it).
   */
  saveState(keys: number): string {
    let merged = `t."payload"::OBJECT`;
    for (let i = 0; i < keys; i++)
      merged = `OBJECT_INSERT(${merged}, $${7 + i}, GET(s."payload", $${7 + i}), TRUE)`;
    return `MERGE INTO "reverse"."sync_state" t
USING (SELECT $1 AS "sync", $2 AS "record_id", PARSE_JSON($3) AS "payload", $4 AS "last_run_id",
              $5 AS "destination_id", TO_BOOLEAN($6) AS "created_by_sync") s
ON t."sync" = s."sync" AND t."record_id" = s."record_id"
WHEN MATCHED THEN UPDATE SET
  t."payload" = CASE WHEN s."created_by_sync" THEN s."payload" ELSE TO_VARIANT(${merged}) END,
  t."last_sent_at" = CURRENT_TIMESTAMP(), t."last_run_id" = s."last_run_id",
  t."destination_id" = COALESCE(s."destination_id", t."destination_id"),
  t."created_by_sync" = t."created_by_sync" OR s."created_by_sync"
WHEN NOT MATCHED THEN INSERT ("sync", "record_id", "payload", "last_sent_at", "last_run_id", "destination_id", "created_by_sync")
  VALUES (s."sync", s."record_id", s."payload", CURRENT_TIMESTAMP(), s."last_run_id", s."destination_id", s."created_by_sync")`;
  },

  failure: `MERGE INTO "reverse"."failures" t
USING (SELECT $1 AS "sync", $2 AS "record_id", $3 AS "last_error", PARSE_JSON($4) AS "payload") s
ON t."sync" = s."sync" AND t."record_id" = s."record_id"
WHEN MATCHED THEN UPDATE SET t."attempts" = t."attempts" + 1, t."last_error" = s."last_error",
  t."payload" = s."payload", t."updated_at" = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT ("sync", "record_id", "attempts", "last_error", "payload")
  VALUES (s."sync", s."record_id", 1, s."last_error", s."payload")`,

  failureAttempts: `SELECT MAX("attempts") AS "attempts" FROM "reverse"."failures" WHERE "sync" = $1 AND "record_id" = $2`,

  deadLetter: `INSERT INTO "reverse"."dead_letters" ("sync", "record_id", "payload", "error", "attempts")
SELECT $1, $2, PARSE_JSON($3), $4, $5`,

  audit: `INSERT INTO "reverse"."audit" ("run_id", "sync", "destination", "object", "record_id", "field", "before", "after",
    "status", "response_id", "error", "plan_id", "sent_run_id", "idempotency_key")
SELECT $1, $2, $3, $4, $5, $6, PARSE_JSON($7), PARSE_JSON($8), $9, $10, $11, $12, $13, $14`,

  startRun: `MERGE INTO "reverse"."sync_runs" t
USING (SELECT $1 AS "run_id", $2 AS "sync", $3 AS "mode", $4 AS "host", $5 AS "pid") s
ON t."run_id" = s."run_id" AND t."sync" = s."sync"
WHEN NOT MATCHED THEN INSERT ("run_id", "sync", "mode", "status", "host", "pid")
  VALUES (s."run_id", s."sync", s."mode", 'running', s."host", s."pid")`,

  deadLettersToReplay: `SELECT "id", "record_id", "payload", "error" FROM "reverse"."dead_letters"
WHERE "sync" = $1 AND "replayed_at" IS NULL ORDER BY "at", "id"`,

  /** $2: the ids read, as a JSON array (Snowflake takes no array binds). */
  markReplayed: `UPDATE "reverse"."dead_letters" SET "replayed_at" = CURRENT_TIMESTAMP()
WHERE "sync" = $1 AND "replayed_at" IS NULL
  AND "id" IN (SELECT f.value::NUMBER(38,0) FROM TABLE(FLATTEN(INPUT => PARSE_JSON($2))) f)`,

  requeue: `MERGE INTO "reverse"."failures" t
USING (SELECT $1 AS "sync", $2 AS "record_id", $3 AS "last_error", PARSE_JSON($4) AS "payload") s
ON t."sync" = s."sync" AND t."record_id" = s."record_id"
WHEN MATCHED THEN UPDATE SET t."attempts" = 0
WHEN NOT MATCHED THEN INSERT ("sync", "record_id", "attempts", "last_error", "payload")
  VALUES (s."sync", s."record_id", 0, s."last_error", s."payload")`,
};
