import { WarehouseError } from "../core/errors.js";
import type { ColumnSpec, TableRef, Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import type { ExtractBatch, StreamDescriptor, StreamLoadResult } from "./interfaces.js";
import { resetCursor } from "./state.js";
import { RAW_COLUMNS, STAGING_META, rawTable, stagingTable } from "./tables.js";
import { widen } from "./types.js";

/** The stream name a full refresh loads under until it is swapped in (its own raw, staging and cursor). */
export function refreshStreamName(stream: string): string {
  return `${stream}__refresh`;
}

export interface RefreshOptions {
  /** Runs in the transaction that swaps the refresh in (e.g. the file ledger's reset). */
  onReplace?: (tx: WarehouseSession) => Promise<void>;
}

type Load<O> = (
  wh: Warehouse,
  desc: StreamDescriptor,
  batches: AsyncIterable<ExtractBatch>,
  options: O,
) => Promise<StreamLoadResult>;

/**
 * A full refresh that readers and a crash see whole or not at all. The stream is loaded beside
 * the current one, under `<stream>__refresh` (its own staging and raw tables and cursor, batch
 * by batch as any load); then one transaction replaces staging's rows with the new ones, appends
 * the new raw rows to raw, moves the cursor and the rejects over and runs `onReplace`. Staging
 * keeps its table (rows are replaced, not the table), so views on it keep working. A refresh
 * killed before the swap leaves the current stream untouched; the next full refresh starts over.
 */
export async function refreshStream<O extends { runId: string }>(
  wh: Warehouse,
  desc: StreamDescriptor,
  batches: AsyncIterable<ExtractBatch>,
  options: O & RefreshOptions,
  load: Load<O>,
): Promise<StreamLoadResult> {
  const shadowName = refreshStreamName(desc.stream);
  const shadow = { staging: stagingTable(desc.source, shadowName), raw: rawTable(desc.source, shadowName) };
  const target = { staging: stagingTable(desc.source, desc.stream), raw: rawTable(desc.source, desc.stream) };
  await dropShadow(wh, desc, shadow);
  const result = await load(wh, { ...desc, stream: shadowName }, batches, options);

  // DDL first, in its own step (Snowflake commits DDL by itself): staging exists with every
  // column the refresh has. Adding nullable columns changes nothing readers see.
  const columns = await wh.columns(shadow.staging);
  await wh.transaction(async (tx) => {
    await tx.lockForTransaction("ddl");
    await tx.ensureSchema(target.staging.schema);
    await tx.ensureTable(target.raw, RAW_COLUMNS, {
      description: `Landed ${desc.source} ${desc.stream} records, append-only.`,
    });
    if (columns.length === 0) return; // nothing was read: the swap empties staging, if it exists
    const specs: ColumnSpec[] = columns.map((c) => ({
      name: c.name,
      type: c.type === "other" ? "text" : c.type,
    }));
    const metaNames = new Set(STAGING_META.map((c) => c.name));
    await tx.ensureTable(target.staging, [...specs.filter((c) => !metaNames.has(c.name)), ...STAGING_META], {
      primaryKey: desc.primaryKey,
      description: desc.description ?? `Current ${desc.source} ${desc.stream} records, one row per key.`,
    });
    const widenColumn = tx.widenColumn?.bind(tx);
    if (!widenColumn) return;
    // A column the refresh typed wider (text where staging had numbers) widens in staging too;
    // one staging has wider already takes the new values as they are (an assignment cast).
    const have = new Map((await tx.columns(target.staging)).map((c) => [c.name, c.type]));
    for (const c of specs) {
      const was = have.get(c.name);
      if (!was || was === "other") continue;
      const type = widen(was, c.type)!;
      if (type === was) continue;
      await widenColumn(target.staging, c.name, type).catch((err: Error) => {
        throw new WarehouseError(
          `full refresh of ${desc.source}.${desc.stream}: column ${c.name} is ${was} in ${tx.quoteTable(target.staging)} ` +
            `and ${c.type} in the refreshed data, and cannot become ${type} (${err.message}). ` +
            `Drop or change the views that read the column, then run the full refresh again; the current data is untouched.`,
          { cause: err },
        );
      });
    }
  });

  await wh.transaction(async (tx) => {
    await tx.lockForTransaction(`refresh:${desc.source}.${desc.stream}`);
    if (await tx.tableExists(target.staging)) {
      await tx.query(`DELETE FROM ${tx.quoteTable(target.staging)}`);
      if (columns.length) {
        const list = columns.map((c) => tx.quoteIdent(c.name)).join(", ");
        await tx.query(
          `INSERT INTO ${tx.quoteTable(target.staging)} (${list}) SELECT ${list} FROM ${tx.quoteTable(shadow.staging)}`,
        );
      }
    }
    if (await tx.tableExists(shadow.raw)) {
      const list = RAW_COLUMNS.map((c) => tx.quoteIdent(c.name)).join(", ");
      await tx.query(
        `INSERT INTO ${tx.quoteTable(target.raw)} (${list}) SELECT ${list} FROM ${tx.quoteTable(shadow.raw)}`,
      );
    }
    await resetCursor(tx, desc.source, desc.stream);
    await tx.query(`UPDATE trueup.extract_state SET stream = $3 WHERE source = $1 AND stream = $2`, [
      desc.source,
      shadowName,
      desc.stream,
    ]);
    await tx.query(`UPDATE trueup.rejects SET stream = $3 WHERE source = $1 AND stream = $2`, [
      desc.source,
      shadowName,
      desc.stream,
    ]);
    await options.onReplace?.(tx);
  });
  await dropShadow(wh, desc, shadow);
  return { ...result, stream: desc.stream };
}

/** Whatever an earlier refresh of the stream left (killed before or after its swap), in one transaction. */
async function dropShadow(
  wh: Warehouse,
  desc: StreamDescriptor,
  shadow: { staging: TableRef; raw: TableRef },
): Promise<void> {
  const name = refreshStreamName(desc.stream);
  await wh.transaction(async (tx) => {
    await tx.lockForTransaction("ddl");
    await resetCursor(tx, desc.source, name);
    await tx.query(`DELETE FROM trueup.rejects WHERE source = $1 AND stream = $2`, [desc.source, name]);
    for (const t of [shadow.staging, shadow.raw])
      if (await tx.tableExists(t)) await tx.query(`DROP TABLE ${tx.quoteTable(t)}`);
  });
}
