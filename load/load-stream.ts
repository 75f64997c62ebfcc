import type { Logger } from "../core/log.js";
import { logger as rootLogger } from "../core/log.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { loadStatements } from "../warehouse/statements/load.js";
import type { KeyProbe } from "./copy-path.js";
import type { ExtractBatch, StreamDescriptor, StreamLoadResult } from "./interfaces.js";
import { loadBatch } from "./load-batch.js";
import type { Pause } from "./flatten-batch.js";
import { prepareBatch } from "./prepare-batch.js";
import { refreshStream } from "./refresh.js";
import { canWiden, stagingColumns, type StagingColumns } from "./schema-evolution.js";
import { RAW_COLUMNS, rawTable, stagingTable } from "./tables.js";

export interface LoadStreamOptions {
  runId: string;
  /**
   * Replace the stream with a new reading from the start, atomically (load/refresh.ts): readers
   * and a crash see the old rows or the new, never a mix or nothing; raw keeps its history.
   */
  fullRefresh?: boolean;
  /** With `fullRefresh`: runs in the transaction that swaps the new rows in (the file ledger's reset). */
  onReplace?: (tx: WarehouseSession) => Promise<void>;
  log?: Logger;
  /** Called after each committed batch (progress display). */
  onBatch?: (progress: { rows: number; batches: number; cursor?: unknown }) => void;
}

/**
 * Loads one stream: every batch lands in raw (append), merges into staging (one row per key,
 * latest version wins) and moves the cursor — all three in one transaction per batch, so a
 * crash anywhere re-reads from the last committed cursor and the merge absorbs the overlap.
 *
 * This file is the stream's control flow. A batch is flattened (flatten-batch.ts) and prepared
 * (prepare-batch.ts) against staging's columns (schema-evolution.ts), then written in its own
 * transaction (load-batch.ts) by the route the warehouse names: rows COPYed from here
 * (copy-path.ts, merging through a batch table in merge-path.ts) or staged as files and loaded
 * by the warehouse (stage-path.ts). The statements that differ by warehouse live in
 * warehouse/<dialect>/load-statements.ts, reached through `loadStatements(tx)`.
 */
export async function loadStream(
  wh: Warehouse,
  desc: StreamDescriptor,
  batches: AsyncIterable<ExtractBatch>,
  options: LoadStreamOptions,
): Promise<StreamLoadResult> {
  if (options.fullRefresh)
    return refreshStream(wh, desc, batches, { ...options, fullRefresh: false }, loadInto);
  return loadInto(wh, desc, batches, options);
}

async function loadInto(
  wh: Warehouse,
  desc: StreamDescriptor,
  batches: AsyncIterable<ExtractBatch>,
  options: LoadStreamOptions,
): Promise<StreamLoadResult> {
  const log = (options.log ?? rootLogger()).child({ source: desc.source, stream: desc.stream });
  const raw = rawTable(desc.source, desc.stream);
  const staging = stagingTable(desc.source, desc.stream);
  const result: StreamLoadResult = {
    source: desc.source,
    stream: desc.stream,
    rows: 0,
    deletes: 0,
    batches: 0,
    rejects: 0,
    addedColumns: [],
    widenedColumns: [],
    typeIssues: 0,
  };

  // While staging is known to hold none of the stream's keys (a first load, a full refresh), each
  // batch is copied straight in without asking staging first; the first key met (a unique
  // violation, rolled back to a savepoint and merged) turns the question back on.
  const keys: KeyProbe = { ask: true };
  // Where the warehouse cannot change a column's type in place (Snowflake changes only lengths
  // and precision), a value that would widen its column goes NULL in it and stays in the payload.
  const widens = canWiden(wh);
  const { limits } = loadStatements(wh);
  let basis: StagingColumns = new Map();
  await wh.transaction(async (tx) => {
    await tx.lockForTransaction("ddl");
    await tx.ensureSchema("raw");
    await tx.ensureSchema("staging");
    await tx.ensureTable(raw, RAW_COLUMNS, {
      description: `Landed ${desc.source} ${desc.stream} records, append-only.`,
    });
    basis = await stagingColumns(tx, staging);
    keys.ask =
      basis.size > 0 && (await tx.query(`SELECT 1 FROM ${tx.quoteTable(staging)} LIMIT 1`)).length > 0;
  });

  // With `prepareAhead`, the next batch is fetched and prepared (flattened, coerced, made an
  // Arrow batch) while this one's COPY and commit wait on the server, against the columns this
  // batch's schema changes left; if staging turns out to have changed, it is prepared again.
  const iterator = batches[Symbol.asyncIterator]();
  const pause: Pause = () => new Promise((resolve) => setImmediate(resolve));
  const fetchNext = (against?: StagingColumns) => {
    const fetched = (async () => {
      const next = await iterator.next();
      if (next.done) return undefined;
      const ahead =
        against && (await prepareBatch(desc, next.value, options.runId, against, widens, limits, pause));
      return { batch: next.value, ahead };
    })();
    // Awaited once the current batch commits; a source failing before that is not "unhandled".
    fetched.catch(() => undefined);
    return fetched;
  };
  let pending: ReturnType<typeof fetchNext> | undefined = fetchNext(desc.prepareAhead ? basis : undefined);
  try {
    for (;;) {
      const next = await pending;
      pending = undefined;
      if (!next) break;
      const { batch, ahead } = next;
      const committed = await wh.transaction((tx) =>
        loadBatch(
          tx,
          desc,
          batch,
          ahead,
          options.runId,
          log,
          keys,
          desc.prepareAhead ? (columns) => (pending ??= fetchNext(columns)) : undefined,
        ),
      );
      pending ??= fetchNext();
      result.rows += committed.rows;
      result.deletes += committed.deletes;
      result.rejects += committed.rejects;
      result.typeIssues += committed.typeIssues;
      result.addedColumns.push(...committed.added);
      result.widenedColumns.push(...committed.widened);
      result.batches++;
      if (batch.cursor) result.cursor = batch.cursor;
      options.onBatch?.({ rows: result.rows, batches: result.batches, cursor: batch.cursor });
    }
  } finally {
    // A batch that failed ends the loop: the batch read ahead is dropped and the source closed
    // (files, sockets, workers), as `for await` would.
    await pending?.catch(() => undefined);
    await iterator.return?.();
  }
  return result;
}
