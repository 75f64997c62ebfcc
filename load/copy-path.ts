import type { ColumnType, WarehouseSession } from "../warehouse/interfaces.js";
import type { CopyRoute } from "../warehouse/statements/load.js";
import type { Kept } from "./flatten-batch.js";
import type { StreamDescriptor } from "./interfaces.js";
import { mergeBatch } from "./merge-path.js";
import type { Prepared } from "./prepare-batch.js";
import { RAW_COLUMNS, rawTable, stagingTable } from "./tables.js";

/** Whether to ask staging for a batch's keys before copying it straight in (see loadStream). */
export interface KeyProbe {
  ask: boolean;
}

/**
 * True when no two rows of the batch share a key and (when `probe.ask`) staging holds none of
 * them (single-column keys; composite keys always merge). One index probe per key, in one
 * statement: about a twentieth of a first load's time, which is why it is skipped while
 * staging is known to be free of the stream's keys.
 */
async function allKeysNew(
  route: CopyRoute,
  tx: WarehouseSession,
  staging: { schema: string; name: string },
  primaryKey: readonly string[],
  types: ReadonlyMap<string, ColumnType>,
  rows: Kept,
  probe: KeyProbe,
): Promise<boolean> {
  if (primaryKey.length !== 1) return false;
  const key = primaryKey[0]!;
  const values = rows.values.get(key);
  const keys = new Set<string>();
  for (let i = 0; i < rows.count; i++) {
    if (rows.deleted[i]) return false; // a tombstone keeps the last known values: that needs the merge
    const k = String(values?.[i]);
    if (keys.has(k)) return false;
    keys.add(k);
  }
  if (!probe.ask) return true;
  return !(await route.anyKeyIn(tx, staging, key, types.get(key) ?? "text", [...keys]));
}

/**
 * Steps 4 and 5 on the COPY route: COPY into raw, then staging. Fast path: when every key of
 * the batch is new (a first load, a file of new invoices) the rows are copied straight into
 * staging — no batch table, no sort, no merge. Otherwise (and if the straight copy meets a key
 * after all) the batch is merged (merge-path.ts).
 */
export async function copyBatch(
  route: CopyRoute,
  tx: WarehouseSession,
  desc: StreamDescriptor,
  prepared: Prepared,
  copyCols: readonly string[],
  probe: KeyProbe,
): Promise<void> {
  const { rows, allColumns, load } = prepared;
  const raw = rawTable(desc.source, desc.stream);
  const staging = stagingTable(desc.source, desc.stream);
  // 4. Raw: append-only, untouched payload.
  if (rows.count) {
    const rawCols = RAW_COLUMNS.map((c) => c.name);
    await tx.copyIn(raw, rawCols, route.encode(load.arrow, rawCols));
  }

  // 5. Staging, straight when every key is new; only a key met after all falls back (staging
  // had it, not asked first, or a concurrent load), and staging is asked from then on.
  let copied = false;
  if (rows.count && (await allKeysNew(route, tx, staging, desc.primaryKey, allColumns, rows, probe))) {
    copied = await route.unlessKeyExists(tx, () =>
      tx.copyIn(staging, copyCols, route.encode(load.arrow, copyCols)),
    );
    if (!copied) probe.ask = true;
  }
  if (rows.count && !copied) await mergeBatch(route, tx, desc, prepared, copyCols);
}
