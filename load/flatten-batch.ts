import type { RejectRecord } from "../warehouse/interfaces.js";
import type { ExtractBatch, StreamDescriptor } from "./interfaces.js";
import { flattenRecord, snakeCase } from "./naming.js";
import { storableCopy, unstorableText } from "./types.js";

/**
 * The batch's rows that have their key, column-major: each flattened field's values (aligned;
 * `undefined` where a row lacks the field), with each row's position, payload and tombstone flag.
 */
export interface Kept {
  count: number;
  values: Map<string, unknown[]>;
  positions: (string | undefined)[];
  /** The payload's JSON text, when the source serialised it (else `payloads` holds the record). */
  payloadTexts: (string | undefined)[];
  payloads: (Record<string, unknown> | undefined)[];
  deleted: boolean[];
}

/** Lets a batch prepared ahead give the event loop back now and then (see loadStream). */
export type Pause = () => Promise<void>;
const PAUSE_EVERY = 2_000;

/** A batch's records flattened into columns, with what could not be kept as rows. */
export interface Flattened {
  rows: Kept;
  /** The source's own rejects, then records without their key or with text no warehouse stores. */
  rejects: RejectRecord[];
  /** Fields of one record that share a column: one note per column. */
  notes: RejectRecord[];
  /** The rejects this loader made (see `Prepared.repeatable`). */
  repeatable: RejectRecord[];
}

/**
 * Step 1 of a batch: every record flattened into columns (`a__b` to the stream's depth); a
 * record without its key cannot be merged, and text a warehouse cannot store would fail the
 * whole COPY: such records are rejected, as they are, not guessed at or changed.
 */
export async function flattenBatch(
  desc: StreamDescriptor,
  batch: ExtractBatch,
  pause?: Pause,
): Promise<Flattened> {
  const rejects: RejectRecord[] = [...(batch.rejects ?? [])];
  const notes: RejectRecord[] = [];
  const repeatable: RejectRecord[] = [];

  // 1. Flatten; a record without its key cannot be merged: it is rejected, not guessed.
  const rows: Kept = {
    count: 0,
    values: new Map(),
    positions: [],
    payloadTexts: [],
    payloads: [],
    deleted: [],
  };
  const column = (name: string) => {
    let values = rows.values.get(name);
    if (!values) rows.values.set(name, (values = []));
    return values;
  };
  const keep = (
    position: string | undefined,
    deleted: boolean,
    payloadText?: string,
    payload?: Record<string, unknown>,
  ) => {
    rows.positions.push(position);
    rows.payloadTexts.push(payloadText);
    rows.payloads.push(payload);
    rows.deleted.push(deleted);
    return rows.count++;
  };
  const missingKey = (get: (k: string) => unknown) =>
    desc.primaryKey.find((k) => {
      const v = get(k);
      return v === null || v === undefined || v === "";
    });
  const keyOf = (get: (k: string) => unknown) => desc.primaryKey.map((k) => String(get(k))).join("|");
  // Text a warehouse cannot store (NUL, lone surrogates) would fail the whole batch's COPY, and
  // changing it would load a value the source never had: the record is rejected, as it is.
  const unstorable = (
    bad: { field: string; reason: string },
    position: string | undefined,
    recordKey: string,
    record: unknown,
  ) => {
    const r: RejectRecord = {
      position: position ?? `${desc.stream} ${recordKey}`,
      recordKey,
      field: bad.field,
      reason: `${bad.field} holds ${bad.reason}, which the warehouse cannot store; the record is not loaded (in this reject's copy of it, the character is written as its \\u escape)`,
      record,
    };
    rejects.push(r);
    repeatable.push(r);
  };
  // Fields that share a column within one record: one note per column and batch.
  const collisions = new Map<
    string,
    { field: string; position?: string; record?: Record<string, unknown> }
  >();
  let current: { position?: string; record: Record<string, unknown> } | undefined;
  const collided = (column: string, field: string) => {
    if (!collisions.has(column) && current) collisions.set(column, { field, ...current });
  };
  const take = async (
    records: Record<string, unknown>[],
    deleted: boolean,
    positions?: string[],
    payloads?: string[],
  ) => {
    for (let i = 0; i < records.length; i++) {
      if (pause && i % PAUSE_EVERY === PAUSE_EVERY - 1) await pause();
      const record = records[i]!;
      current = { position: positions?.[i], record };
      const flat = flattenRecord(record, desc.flattenDepth ?? 2, collided);
      const position = positions?.[i];
      const missing = missingKey((k) => flat.get(k));
      if (missing) {
        rejects.push({
          position: position ?? "?",
          field: missing,
          reason: `missing primary key field ${missing}`,
          record,
        });
        continue;
      }
      // Serialised here, not later: JSON.stringify writes NUL and lone surrogates as `\u` escapes,
      // so one search of the text the payload needs anyway finds the rare record to look into.
      const text = payloads?.[i] ?? JSON.stringify(record);
      const bad = text.includes("\\u") ? unstorableText(record) : undefined;
      if (bad) {
        unstorable(
          bad,
          position,
          keyOf((k) => flat.get(k)),
          record,
        );
        continue;
      }
      const row = keep(position, deleted, text, record);
      flat.forEach((v, k) => (column(k)[row] = v));
    }
  };
  if (batch.columns) await takeColumns(batch.columns);
  else await take(batch.records, false, batch.positions, batch.payloads);
  await take(batch.deletes ?? [], true);
  for (const values of rows.values.values()) values.length = rows.count; // fields absent at the end
  for (const [column, c] of collisions) {
    const flat = c.record && flattenRecord(c.record, desc.flattenDepth ?? 2);
    const key = flat && desc.primaryKey.map((k) => String(flat.get(k))).join("|");
    notes.push({
      position: c.position ?? `${desc.stream} ${key}`,
      recordKey: key,
      field: c.field,
      reason: `field ${c.field} and another field of the same record both map to column ${column}: the column holds the later one's value; both are in _trueup_payload`,
    });
  }

  /**
   * Column-major records (the CSV worker's): no object or Map per row. Names map to columns as
   * `flattenRecord` maps a record's keys (a later field of the same column wins, as in a record).
   */
  async function takeColumns(cols: NonNullable<ExtractBatch["columns"]>) {
    const n = batch.positions?.length ?? cols.values[0]?.length ?? 0;
    const byName = new Map<string, unknown[]>();
    const first = new Map<string, string>();
    cols.names.forEach((name, c) => {
      const col = snakeCase(name);
      if (first.has(col) && first.get(col) !== name && !collisions.has(col))
        collisions.set(col, { field: name, position: batch.positions?.[0] });
      first.set(col, name);
      byName.set(col, cols.values[c]!);
    });
    const key = desc.primaryKey.map((k) => byName.get(k));
    const good: number[] = [];
    const recordAt = (i: number) => {
      const text = batch.payloads?.[i];
      return text
        ? (JSON.parse(text) as unknown)
        : Object.fromEntries(cols.names.map((c, j) => [c, cols.values[j]![i]]));
    };
    // A field name (a CSV header) that cannot be stored rejects every row that has it.
    let badName: { field: string; reason: string } | undefined;
    for (const name of cols.names) {
      const inName = unstorableText(name);
      if (inName)
        badName ??= { field: storableCopy(name) as string, reason: `its name holds ${inName.reason}` };
    }
    for (let i = 0; i < n; i++) {
      const missing = missingKey((k) => key[desc.primaryKey.indexOf(k)]?.[i]);
      if (!missing) {
        const text = batch.payloads?.[i];
        let bad = badName;
        if (!bad && (text === undefined || text.includes("\\u")))
          for (let c = 0; c < cols.names.length && !bad; c++)
            bad = unstorableText(cols.values[c]![i], cols.names[c]);
        if (!bad) {
          good.push(i);
          continue;
        }
        const recordKey = keyOf((k) => key[desc.primaryKey.indexOf(k)]?.[i]);
        unstorable(bad, batch.positions?.[i], recordKey, recordAt(i));
        continue;
      }
      rejects.push({
        position: batch.positions?.[i] ?? "?",
        field: missing,
        reason: `missing primary key field ${missing}`,
        record: recordAt(i),
      });
    }
    const all = good.length === n;
    for (const i of good) keep(batch.positions?.[i], false, batch.payloads?.[i]);
    if (pause) await pause();
    for (const [name, values] of byName) {
      const out = column(name);
      if (all && out.length === 0) rows.values.set(name, values);
      else for (const i of good) out.push(values[i]);
    }
  }
  return { rows, rejects, notes, repeatable };
}
