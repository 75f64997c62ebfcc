import { createHash } from "node:crypto";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import type { FieldValues, PlannedChange } from "./interfaces.js";

/**
 * A delivery planned or sent and not yet verified. Written before anything is sent, so a run
 * that dies (or loses a response) leaves behind which values it meant to send and which it did
 * send; the next run that finds such a value already in the destination audits it as found
 * delivered by that run, once, instead of saying nothing.
 */
export interface Intent {
  recordId: string;
  /** The run that last planned or sent it. */
  runId: string;
  idempotencyKey: string;
  /** Per field: the value meant, and the run that sent it (null: planned, not sent yet). */
  fields: Record<string, { value: unknown; sentBy: string | null }>;
  sent: boolean;
  destinationId: string | null;
  /** A keyed send found no record first: if the record exists later, the sync created it. */
  absentBefore: boolean;
}

/** The same write has the same key in every run: sync, record and the values it sets. */
export function intentKey(sync: string, recordId: string, fields: FieldValues): string {
  const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash("sha256")
    .update(JSON.stringify([sync, recordId, sorted]))
    .digest("hex")
    .slice(0, 32);
}

export async function loadIntents(db: WarehouseSession, sync: string): Promise<Map<string, Intent>> {
  const rows = await db.query<{
    record_id: string;
    run_id: string;
    idempotency_key: string;
    fields: string;
    sent_at: unknown;
    destination_id: string | null;
    absent_before: boolean;
  }>(
    `SELECT record_id, run_id, idempotency_key, fields, sent_at, destination_id, absent_before
       FROM reverse.intents WHERE sync = $1`,
    [sync],
  );
  return new Map(
    rows.map((r) => [
      r.record_id,
      {
        recordId: r.record_id,
        runId: r.run_id,
        idempotencyKey: r.idempotency_key,
        fields: JSON.parse(r.fields) as Intent["fields"],
        sent: r.sent_at !== null && r.sent_at !== undefined,
        destinationId: r.destination_id,
        absentBefore: r.absent_before === true || String(r.absent_before).toLowerCase() === "true",
      },
    ]),
  );
}

const CHUNK = 100;

async function insertIntents(db: WarehouseSession, sync: string, rows: Intent[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const binds: unknown[] = [];
    const values = chunk.map((r) => {
      const n = binds.length;
      binds.push(
        sync,
        r.recordId,
        r.runId,
        r.idempotencyKey,
        JSON.stringify(r.fields),
        r.sent,
        r.destinationId,
        r.absentBefore,
      );
      // sent_at from a flag, so one statement text serves both dialects.
      return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, CASE WHEN $${n + 6} THEN CURRENT_TIMESTAMP END, $${n + 7}, $${n + 8})`;
    });
    await db.query(
      `INSERT INTO reverse.intents (sync, record_id, run_id, idempotency_key, fields, sent_at, destination_id, absent_before)
       VALUES ${values.join(", ")}`,
      binds,
    );
  }
}

export async function dropIntents(db: WarehouseSession, sync: string, recordIds: string[]): Promise<void> {
  for (let i = 0; i < recordIds.length; i += CHUNK) {
    const chunk = recordIds.slice(i, i + CHUNK);
    await db.query(
      `DELETE FROM reverse.intents WHERE sync = $1 AND record_id IN (${chunk.map((_, j) => `$${j + 2}`).join(", ")})`,
      [sync, ...chunk],
    );
  }
}

/**
 * Before a run sends anything: an intent for each planned change that has none (an earlier
 * run's intent is kept, with what it sent); intents never sent for records no longer planned go.
 */
export async function recordPlanned(
  wh: Warehouse,
  sync: string,
  runId: string,
  changes: PlannedChange[],
  intents: Map<string, Intent>,
): Promise<void> {
  const planned = new Set(changes.map((c) => c.recordId));
  const stale = [...intents.values()].filter((i) => !i.sent && !planned.has(i.recordId));
  const fresh: Intent[] = changes
    .filter((c) => !intents.has(c.recordId))
    .map((c) => ({
      recordId: c.recordId,
      runId,
      idempotencyKey: intentKey(sync, c.recordId, c.fields),
      fields: Object.fromEntries(Object.entries(c.fields).map(([f, value]) => [f, { value, sentBy: null }])),
      sent: false,
      destinationId: null,
      absentBefore: false,
    }));
  if (!stale.length && !fresh.length) return;
  await replaceIntents(
    wh,
    sync,
    stale.map((i) => i.recordId),
    fresh,
    intents,
  );
}

/** In one transaction: drops the intents of `drop` and inserts `rows`; the map follows. */
async function replaceIntents(
  wh: Warehouse,
  sync: string,
  drop: string[],
  rows: Intent[],
  intents: Map<string, Intent>,
): Promise<void> {
  await wh.transaction(async (tx) => {
    await dropIntents(tx, sync, drop);
    await insertIntents(tx, sync, rows);
  });
  for (const id of drop) intents.delete(id);
  for (const r of rows) intents.set(r.recordId, r);
}

/**
 * The intents to store just before a batch's write call: which fields of which records this run
 * sends. A field an earlier run sent with the same value keeps that run as its sender.
 */
export function sentIntents(
  sync: string,
  runId: string,
  sends: { change: PlannedChange; sent: FieldValues; destinationId: string | null; absentBefore: boolean }[],
  intents: Map<string, Intent>,
): Intent[] {
  return sends.map(({ change, sent, destinationId, absentBefore }) => {
    const prior = intents.get(change.recordId);
    const fields: Intent["fields"] = {};
    for (const [f, value] of Object.entries(change.fields)) {
      const before = prior?.fields[f];
      fields[f] =
        f in sent
          ? { value, sentBy: runId }
          : before?.sentBy && JSON.stringify(before.value) === JSON.stringify(value)
            ? before
            : { value, sentBy: null };
    }
    return {
      recordId: change.recordId,
      runId,
      idempotencyKey: intentKey(sync, change.recordId, change.fields),
      fields,
      sent: true,
      destinationId: destinationId ?? prior?.destinationId ?? null,
      absentBefore,
    };
  });
}

/**
 * The fields of an intent an earlier run sent that the destination now holds as sent: they
 * landed, whatever came after (the run was killed, or its response lost). `live`: the record's
 * current values (undefined: not found).
 */
export function foundDeliveries(
  intent: Intent | undefined,
  live: FieldValues | undefined,
  same: (a: unknown, b: unknown) => boolean,
): { field: string; value: unknown; sentBy: string }[] {
  if (!intent || !live) return [];
  return Object.entries(intent.fields).flatMap(([field, f]) =>
    f.sentBy && field in live && same(live[field], f.value)
      ? [{ field, value: f.value, sentBy: f.sentBy }]
      : [],
  );
}

/** The intent once its found deliveries are audited: they are no one's to report again. */
export function withoutSenders(intent: Intent, fields: string[]): Intent {
  const next: Intent["fields"] = { ...intent.fields };
  for (const f of fields) if (next[f]) next[f] = { ...next[f], sentBy: null };
  return { ...intent, fields: next };
}

/** Replaces intents inside the caller's transaction. */
export async function rewriteIntents(tx: WarehouseSession, sync: string, rows: Intent[]): Promise<void> {
  await dropIntents(
    tx,
    sync,
    rows.map((r) => r.recordId),
  );
  await insertIntents(tx, sync, rows);
}

/**
 * The pseudo-field of an intent that records a delete sent for a record the sync created (mirror):
 * a run killed after the delete landed leaves the intent behind, and the next run, finding the
 * record gone, audits the deletion it made instead of taking the record for one never created.
 */
const DELETE_MARK = "*";

/** The intent once `runId` is about to send its record's delete. */
export function withDeleteSent(intent: Intent, runId: string): Intent {
  return { ...intent, fields: { ...intent.fields, [DELETE_MARK]: { value: null, sentBy: runId } } };
}

/** The run that sent this intent's delete, if one did. */
export function deleteSentBy(intent: Intent): string | undefined {
  return intent.fields[DELETE_MARK]?.sentBy ?? undefined;
}
