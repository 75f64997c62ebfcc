import type { Logger } from "../core/log.js";
import type { RejectRecord, TableRef, WarehouseSession } from "../warehouse/interfaces.js";
import type { LandingPlan, StageRoute } from "../warehouse/statements/load.js";
import { rowsOf } from "./arrow.js";
import type { StreamDescriptor } from "./interfaces.js";
import type { Prepared } from "./prepare-batch.js";
import { RAW_COLUMNS, STAGING_META, rawTable, stagingTable } from "./tables.js";

/**
 * Steps 4 and 5 on the stage route. Before the transaction's first write: the batch's landing
 * table (DDL) and its files in the stage, since either would commit an open transaction. Then,
 * in it: the files copied into the landing table, raw appended from it, one merge into staging.
 * Rows the warehouse refuses come back as rejects at their own positions; values it cannot take
 * in their column's type go NULL there, stay in the payload and count as type issues.
 */
export async function stageBatch(
  route: StageRoute,
  tx: WarehouseSession,
  desc: StreamDescriptor,
  prepared: Prepared,
  copyCols: readonly string[],
  log: Logger,
): Promise<{ rejects: RejectRecord[]; typeIssues: number }> {
  const { rows, allColumns, load } = prepared;
  if (!rows.count) return { rejects: [], typeIssues: 0 };
  const metaTypes = new Map(STAGING_META.map((c) => [c.name, c.type]));
  const plan: LandingPlan = {
    raw: physical(tx, rawTable(desc.source, desc.stream)),
    staging: physical(tx, stagingTable(desc.source, desc.stream)),
    source: desc.source,
    columns: copyCols.map((name) => ({
      name: tx.physicalName(name),
      type: allColumns.get(name) ?? metaTypes.get(name) ?? "text",
    })),
    primaryKey: desc.primaryKey.map((k) => tx.physicalName(k)),
    versionColumn:
      desc.versionColumn && allColumns.has(desc.versionColumn)
        ? tx.physicalName(desc.versionColumn)
        : undefined,
  };
  await route.createLandingTable(plan);
  // `_trueup_seq`: the order rows arrived in, the merge's tie-break after the version column.
  let seq = 0;
  const withSeq = [...rowsOf(load, copyCols)].map((chunk) => chunk.map((r) => [...r, seq++]));
  const rejects = await route.land(plan, [...copyCols, "_trueup_seq"], withSeq, rows.positions);
  const failures = await route.castFailures(plan);
  if (failures.length)
    log.warn(
      { issues: failures.map((f) => ({ column: f.column, count: Number(f.n), first: f.first_position })) },
      "values the warehouse cannot take in their column type were kept in the payload only",
    );
  await route.appendRaw(plan, RAW_COLUMNS);
  await route.mergeLanding(plan);
  return { rejects, typeIssues: failures.reduce((n, f) => n + Number(f.n), 0) };
}

function physical(tx: WarehouseSession, t: TableRef): TableRef {
  return { schema: tx.physicalName(t.schema), name: tx.physicalName(t.name) };
}
