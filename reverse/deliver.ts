import { errorMessage } from "../core/errors.js";
import { foundDeliveries, rewriteIntents, sentIntents, withoutSenders, type Intent } from "./intents.js";
import type {
  FieldValues,
  PlannedChange,
  RunSyncOptions,
  SyncRunResult,
  UpsertOutcome,
} from "./interfaces.js";
import { validPayloads } from "./govern.js";
import { audit, recordBatch } from "./record.js";
import { absentBefore, readBack, sameValue } from "./verify.js";

/** Records read from the destination, by record id (update) or key (upsert, mirror). */
export type LiveRecords = Map<string, { id: string; values: FieldValues }>;

/** One batch's delivery as it goes: what the destination held, what was sent, what failed. */
export interface BatchDelivery {
  batch: PlannedChange[];
  /**
   * update: records are the destination's own ids. upsert/mirror: records are external keys,
   * found (or created) through the match key field; the destination's id is learned here.
   */
  keyed: boolean;
  /** What the earlier runs left unfinished, as it stood before this batch sends anything. */
  prior: Map<string, Intent>;
  /** The current values of the batch's records (and of what earlier runs meant to send). */
  readLive(keys: string[]): Promise<LiveRecords>;
  /** Per record: why it is not delivered (so far). */
  failures: Map<string, string>;
  destIds: Map<string, string>;
  before: LiveRecords;
  /** The changes sent, with only the fields that still differed. */
  toWrite: PlannedChange[];
  /** The changes the destination held already. */
  already: PlannedChange[];
  responseIds: Map<string, string | undefined>;
  /** Records whose write call failed as a whole (it may still have landed). */
  writeErrors: Set<string>;
  /** Read back after the write. */
  after: LiveRecords;
}

/**
 * One batch of changes, at most the destination's batch size: read the live values, write only
 * fields that still differ (a write that already landed — say its response was lost — is not
 * repeated), read back, and record each record's outcome.
 */
export async function deliverBatch(
  options: RunSyncOptions,
  batch: PlannedChange[],
  result: SyncRunResult,
  intents: Map<string, Intent>,
): Promise<void> {
  const d = start(options, batch, intents);
  const valid = await validPayloads(options, batch, d.failures);
  try {
    d.before = await d.readLive(batch.map((c) => c.recordId));
    for (const [key, r] of d.before) d.destIds.set(key, r.id);
  } catch (err) {
    for (const c of valid) d.failures.set(c.recordId, `could not read current values: ${errorMessage(err)}`);
  }
  // Values an earlier run sent that the destination holds: delivered, audited once, here.
  const found = new Map<string, ReturnType<typeof foundDeliveries>>();
  for (const [id, i] of d.prior) {
    const f = foundDeliveries(i, d.before.get(id)?.values, sameValue);
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
  sortByLiveValues(options, d, valid);
  await recordSending(options, d, found, intents);
  await write(options, d, result);
  result.skippedAlreadyThere += d.already.length;
  await readBack(d);
  await recordBatch(options, d, result, intents);
}

function start(options: RunSyncOptions, batch: PlannedChange[], intents: Map<string, Intent>): BatchDelivery {
  const { sync, destination } = options;
  const object = sync.destination.object;
  const prior = new Map(
    batch.flatMap((c) => (intents.has(c.recordId) ? [[c.recordId, intents.get(c.recordId)!] as const] : [])),
  );
  const fields = [
    ...new Set([
      ...batch.flatMap((c) => Object.keys(c.fields)),
      ...[...prior.values()].flatMap((i) => Object.keys(i.fields)),
    ]),
  ];
  const keyed = sync.mode !== "update";
  const readLive = async (keys: string[]): Promise<LiveRecords> => {
    if (keyed) return destination.readByKey(object, sync.matchKey.field, keys, fields);
    const m = await destination.read(object, keys, fields);
    return new Map([...m].map(([id, values]) => [id, { id, values }]));
  };
  const destIds = new Map<string, string>();
  for (const [id, i] of prior) if (i.destinationId) destIds.set(id, i.destinationId);
  return {
    batch,
    keyed,
    prior,
    readLive,
    failures: new Map(),
    destIds,
    before: new Map(),
    toWrite: [],
    already: [],
    responseIds: new Map(),
    writeErrors: new Set(),
    after: new Map(),
  };
}

/** The valid changes into those to send (only the fields that differ) and those already there. */
function sortByLiveValues(options: RunSyncOptions, d: BatchDelivery, valid: PlannedChange[]): void {
  const { sync } = options;
  for (const c of valid) {
    if (d.failures.has(c.recordId)) continue;
    const live = d.before.get(c.recordId)?.values;
    if (!live) {
      if (d.keyed)
        d.toWrite.push(c); // not there yet: upsert creates it
      else
        d.failures.set(
          c.recordId,
          `record ${c.recordId} not found in ${sync.destination.system} ${sync.destination.object}`,
        );
      continue;
    }
    const differing = Object.fromEntries(Object.entries(c.fields).filter(([f, v]) => !sameValue(live[f], v)));
    if (Object.keys(differing).length === 0) d.already.push(c);
    else d.toWrite.push({ ...c, fields: differing });
  }
}

/**
 * Before anything is sent, in one transaction: the deliveries found (audited once) and the
 * intents saying what this batch sends; the found fields no longer name their sender, so a later
 * run never reports them again, and a kill before this commit leaves both undone.
 */
async function recordSending(
  options: RunSyncOptions,
  d: BatchDelivery,
  found: Map<string, ReturnType<typeof foundDeliveries>>,
  intents: Map<string, Intent>,
): Promise<void> {
  const { warehouse: wh, sync, runId } = options;
  const sentRows = sentIntents(
    sync.name,
    runId,
    d.toWrite.map((c) => ({
      change: d.batch.find((b) => b.recordId === c.recordId)!,
      sent: c.fields,
      destinationId: d.destIds.get(c.recordId) ?? null,
      absentBefore: absentBefore(d, c.recordId),
    })),
    intents,
  );
  if (!found.size && !sentRows.length) return;
  const sending = new Set(sentRows.map((r) => r.recordId));
  await wh.transaction(async (tx) => {
    for (const [id, list] of found)
      for (const f of list)
        await audit(tx, runId, sync, id, f.field, null, f.value, {
          status: "found_delivered",
          planId: options.approvePlanId,
          sentRunId: f.sentBy,
          idempotencyKey: d.prior.get(id)!.idempotencyKey,
        });
    await rewriteIntents(tx, sync.name, [
      ...[...found.keys()].filter((id) => !sending.has(id)).map((id) => intents.get(id)!),
      ...sentRows,
    ]);
  });
  for (const r of sentRows) intents.set(r.recordId, r);
}

/** The write call: by key (upsert, mirror) or by the destination's id (update). */
async function write(options: RunSyncOptions, d: BatchDelivery, result: SyncRunResult): Promise<void> {
  const { sync, destination } = options;
  const object = sync.destination.object;
  if (!d.toWrite.length) return;
  try {
    const outcomes: UpsertOutcome[] = d.keyed
      ? await destination.upsert(
          object,
          sync.matchKey.field,
          d.toWrite.map((c) => ({ ...c, destinationId: d.destIds.get(c.recordId) })),
        )
      : await destination.write(object, d.toWrite);
    for (const o of outcomes) {
      d.responseIds.set(o.recordId, o.responseId);
      if (!o.ok) d.failures.set(o.recordId, o.error ?? "rejected by the destination");
      if (o.destinationId) d.destIds.set(o.recordId, o.destinationId);
    }
    result.written += outcomes.filter((o) => o.ok).length;
  } catch (err) {
    for (const c of d.toWrite) {
      d.failures.set(c.recordId, `write failed: ${errorMessage(err)}`);
      d.writeErrors.add(c.recordId);
    }
  }
}
