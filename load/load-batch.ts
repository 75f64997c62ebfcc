import { isDeepStrictEqual } from "node:util";
import type { Logger } from "../core/log.js";
import type { RejectRecord, WarehouseSession } from "../warehouse/interfaces.js";
import { jsonColumnValue, loadStatements } from "../warehouse/statements/load.js";
import { copyBatch, type KeyProbe } from "./copy-path.js";
import type { ExtractBatch, StreamDescriptor } from "./interfaces.js";
import { prepareBatch, type Prepared } from "./prepare-batch.js";
import {
  canWiden,
  evolveStaging,
  sameColumns,
  stagingColumns,
  type StagingColumns,
} from "./schema-evolution.js";
import { stageBatch } from "./stage-path.js";
import { insertReject, writeCursor } from "./state.js";
import { STAGING_META, stagingTable } from "./tables.js";

export interface BatchOutcome {
  rows: number;
  deletes: number;
  rejects: number;
  typeIssues: number;
  added: string[];
  widened: string[];
}

/**
 * One batch in one transaction: staging's schema changes, the rows into raw and staging (by
 * the warehouse's bulk route), the rejects and the cursor, and the source's own bookkeeping.
 */
export async function loadBatch(
  tx: WarehouseSession,
  desc: StreamDescriptor,
  batch: ExtractBatch,
  ahead: Prepared | undefined,
  runId: string,
  log: Logger,
  probe: KeyProbe,
  /** Called once this batch's schema changes are made: the next batch may be prepared against them. */
  onSchemaSettled?: (columns: StagingColumns) => void,
): Promise<BatchOutcome> {
  const staging = stagingTable(desc.source, desc.stream);

  // A batch prepared ahead is used if staging still has the columns it was prepared against.
  const existing = await stagingColumns(tx, staging);
  const statements = loadStatements(tx);
  const prepared =
    ahead && sameColumns(ahead.basis, existing)
      ? ahead
      : await prepareBatch(desc, batch, runId, existing, canWiden(tx), statements.limits);
  const { rows, rejects, notes, widened, allColumns, issues } = prepared;

  const added = await evolveStaging(tx, desc, existing, prepared, log);
  if (onSchemaSettled) {
    const changed = existing.size === 0 || added.length > 0 || widened.length > 0;
    onSchemaSettled(changed ? await stagingColumns(tx, staging) : existing);
  }
  const names = [...allColumns.keys()];
  if (notes.length) {
    log.warn(
      {
        notes: notes.slice(0, 5).map((n) => ({ field: n.field, at: n.position, reason: n.reason })),
        count: notes.length,
      },
      "fields the warehouse cannot hold as columns were kept in the payload only (listed in trueup.rejects)",
    );
  }
  if (issues.length) {
    log.warn(
      { issues: issues.slice(0, 5), count: issues.length },
      "values that do not fit their column type were kept in the payload only",
    );
  }

  const copyCols = [...names, ...STAGING_META.map((c) => c.name)];
  // Rows the warehouse itself refused (a stage's COPY reports them; a client COPY fails whole).
  const route = statements.route;
  const { rejects: refused, typeIssues: warehouseIssues } =
    route.kind === "stage"
      ? await stageBatch(route, tx, desc, prepared, copyCols, log)
      : (await copyBatch(route, tx, desc, prepared, copyCols, probe), { rejects: [], typeIssues: 0 });

  // 6. Rejects and the cursor, in the same transaction as the rows.
  const seen = await reportedBefore(tx, desc, prepared.repeatable);
  const fresh = rejects.filter((r) => !seen.has(r));
  const newNotes = notes.filter((r) => !seen.has(r));
  for (const r of [...fresh, ...refused, ...newNotes])
    await insertReject(tx, runId, desc.source, desc.stream, r);
  if (batch.cursor) await writeCursor(tx, desc.source, desc.stream, batch.cursor, runId);
  const loaded = rows.deleted.filter((d) => !d).length - refused.length;
  await batch.commit?.(tx, { rows: loaded, rejects: fresh.length + refused.length });
  return {
    rows: loaded,
    deletes: rows.deleted.filter((d) => d).length,
    rejects: fresh.length + refused.length,
    typeIssues: issues.length + warehouseIssues + newNotes.length,
    added,
    widened,
  };
}

/**
 * Rejects and notes already in trueup.rejects: the same version of a record rejected for the
 * same reason (an API read again from a look-back window re-sends it), or the same field of the
 * same record noted again. They are not written or counted twice, so a run that meets nothing
 * new reports nothing.
 */
async function reportedBefore(
  tx: WarehouseSession,
  desc: StreamDescriptor,
  items: readonly RejectRecord[],
): Promise<Set<RejectRecord>> {
  const seen = new Set<RejectRecord>();
  const keyed = items.filter((r) => r.recordKey !== undefined);
  for (let start = 0; start < keyed.length; start += 500) {
    const chunk = keyed.slice(start, start + 500);
    const keys = [...new Set(chunk.map((r) => r.recordKey!))];
    const found = await tx.query<{
      record_key: string;
      field: string | null;
      reason: string;
      record: unknown;
    }>(
      `SELECT record_key, field, reason, record FROM trueup.rejects
        WHERE source = $1 AND stream = $2 AND record_key IN (${keys.map((_, i) => `$${i + 3}`).join(", ")})`,
      [desc.source, desc.stream, ...keys],
    );
    for (const r of chunk) {
      const same = found.some(
        (f) =>
          f.record_key === r.recordKey &&
          f.field === (r.field ?? null) &&
          f.reason === r.reason &&
          isDeepStrictEqual(jsonColumnValue(f.record as object | string | null), r.record ?? null),
      );
      if (same) seen.add(r);
    }
  }
  return seen;
}
