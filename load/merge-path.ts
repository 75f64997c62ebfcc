import type { WarehouseSession } from "../warehouse/interfaces.js";
import type { CopyRoute } from "../warehouse/statements/load.js";
import type { StreamDescriptor } from "./interfaces.js";
import type { Prepared } from "./prepare-batch.js";
import { stagingTable } from "./tables.js";

/**
 * A batch into staging through a merge: COPY into a batch table shaped like staging, then one
 * statement that keeps one row per key, the latest version (the stream's version column when
 * staging has it, then the order rows arrived in); a tombstone keeps the last known values.
 */
export async function mergeBatch(
  route: CopyRoute,
  tx: WarehouseSession,
  desc: StreamDescriptor,
  prepared: Prepared,
  copyCols: readonly string[],
): Promise<void> {
  const { allColumns, load } = prepared;
  const staging = stagingTable(desc.source, desc.stream);
  const batchTable = await route.createBatchTable(tx, staging);
  await tx.copyIn(batchTable, copyCols, route.encode(load.arrow, copyCols));
  await route.mergeBatchTable(tx, batchTable, {
    staging,
    columns: copyCols,
    primaryKey: desc.primaryKey,
    versionColumn: desc.versionColumn && allColumns.has(desc.versionColumn) ? desc.versionColumn : undefined,
  });
}
