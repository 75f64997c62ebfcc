import { errorMessage } from "../core/errors.js";
import {
  deleteSentBy,
  dropIntents,
  foundDeliveries,
  rewriteIntents,
  withDeleteSent,
  withoutSenders,
  type Intent,
} from "./intents.js";
import type { FieldValues, RunSyncOptions, SyncPlan, SyncRunResult } from "./interfaces.js";
import { audit } from "./record.js";
import { sameValue } from "./verify.js";

/**
 * Mirror: records an earlier run sent as new (none had the key before) whose delivery it never
 * finished, and that have left the model since. The sync created them, but no snapshot says so;
 * those still found by their key are deleted like any record the sync created. Of the others,
 * those whose delete a run sent were deleted by it (audited now); the rest were never created.
 */
export async function strandedCreations(
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
  const gone = ids.filter((id) => !found.has(id));
  // Gone, after an earlier run sent its delete: that run deleted it (it was killed before
  // recording so); the others were never created.
  const deletedEarlier = gone.filter((id) => deleteSentBy(intents.get(id)!) !== undefined);
  await wh.transaction(async (tx) => {
    await dropIntents(tx, sync.name, gone);
    for (const id of deletedEarlier)
      await audit(tx, options.runId, sync, id, "*", { id: intents.get(id)!.destinationId }, null, {
        status: "deleted",
        sentRunId: deleteSentBy(intents.get(id)!),
        idempotencyKey: intents.get(id)!.idempotencyKey,
      });
  });
  for (const id of gone) intents.delete(id);
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
export async function deleteBatch(
  options: RunSyncOptions,
  batch: SyncPlan["deletions"],
  result: SyncRunResult,
  intents: Map<string, Intent>,
): Promise<void> {
  const { warehouse: wh, sync, destination, runId } = options;
  // Records known only by an intent (created by a run that never finished) say, before the
  // delete goes, that this run sends it (see strandedCreations).
  const marked = batch.flatMap((d) => {
    const i = intents.get(d.recordId);
    return i ? [withDeleteSent(i, runId)] : [];
  });
  if (marked.length) {
    await wh.transaction((tx) => rewriteIntents(tx, sync.name, marked));
    for (const m of marked) intents.set(m.recordId, m);
  }
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
