import { createHash } from "node:crypto";
import { createReadStream, promises as fs, statSync } from "node:fs";
import path from "node:path";
import type { ErpFilePattern } from "../../config/schema.js";
import { ConfigError } from "../../core/errors.js";
import type { ExtractBatch, StreamDescriptor } from "../../load/interfaces.js";
import type { ColumnType, WarehouseSession } from "../../warehouse/interfaces.js";
import { extractStatements, type FileLoadRow } from "../../warehouse/statements/extract.js";
import type { Source, SourceContext, StreamHandle } from "../interfaces.js";
import { csvBatchesInWorker } from "./csv-worker.js";

/**
 * The legacy ERP's CSV exports (`ERP_EXPORT_DIR`): each file matched by a configured pattern is
 * streamed through csv-parse, every typed value converted (decimal comma, day-first dates), and
 * loaded once — a file is known by name and SHA-256, recorded in `trueup.file_loads` in the same
 * transaction as its last rows. Bad rows go to rejects with file, line, field and reason; the
 * rest of the file loads.
 */
const BATCH_ROWS = 25_000;

export function globToRegExp(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, (c) => `\\${c}`)
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`);
}

function isFileSync(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function fileStreamDescriptor(pattern: ErpFilePattern): StreamDescriptor {
  const columnTypes: Record<string, ColumnType> = {};
  for (const [name, type] of Object.entries(pattern.columns)) columnTypes[name] = type;
  for (const k of pattern.primaryKey) columnTypes[k] ??= "text";
  return {
    source: "erp_files",
    stream: pattern.stream,
    primaryKey: pattern.primaryKey,
    columnTypes,
    flattenDepth: 0,
    prepareAhead: true, // the CSV worker has the next batch parsed already
    description: `Legacy ERP export ${pattern.pattern}, one row per ${pattern.primaryKey.join(", ")}.`,
  };
}

async function alreadyLoaded(db: WarehouseSession, file: string, checksum: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM trueup.file_loads WHERE source = 'erp_files' AND file_name = $1 AND checksum = $2`,
    [file, checksum],
  );
  return rows.length > 0;
}

/**
 * The file as loaded, in the transaction of its last rows (once per name and checksum). During a
 * full refresh (`pending`) it goes to trueup.file_loads_pending, until `replaceFileLoads` swaps
 * the stream's ledger with its rows.
 */
export async function recordFileLoad(
  tx: WarehouseSession,
  f: FileLoadRow & { pending?: boolean },
): Promise<void> {
  await extractStatements(tx).recordFileLoad(tx, f.pending ? "file_loads_pending" : "file_loads", f);
}

/** The stream's ledger becomes the full refresh's, in the transaction that swaps its rows in. */
export async function replaceFileLoads(tx: WarehouseSession, source: string, stream: string): Promise<void> {
  const cols = `"source", "file_name", "checksum", "stream", "rows", "rejects", "loaded_at", "run_id"`;
  await tx.query(`DELETE FROM trueup.file_loads WHERE source = $1 AND stream = $2`, [source, stream]);
  await tx.query(
    `INSERT INTO trueup.file_loads (${cols}) SELECT ${cols} FROM trueup.file_loads_pending WHERE source = $1 AND stream = $2`,
    [source, stream],
  );
  await tx.query(`DELETE FROM trueup.file_loads_pending WHERE source = $1 AND stream = $2`, [source, stream]);
}

/**
 * Reads one file into batches (parsed in a worker thread, see csv-read.ts); the last batch
 * records the file as loaded, in the same transaction as its rows.
 */
export async function* readCsvFile(
  file: string,
  pattern: ErpFilePattern,
  checksum: string,
  runId: string,
  pending = false,
): AsyncGenerator<ExtractBatch> {
  const name = path.basename(file);
  // Counted as the loader reports each batch: rows it rejected itself (a missing key, a NUL)
  // count as rejects, not as rows.
  let loaded = 0;
  let rejected = 0;
  for await (const batch of csvBatchesInWorker(file, pattern, BATCH_ROWS)) {
    const { columns, payloads, rejects } = batch;
    const positions = Array.from(batch.lines, (line) => `${name}:${line}`);
    const count = (done: { rows: number; rejects: number }) => {
      loaded += done.rows;
      rejected += done.rejects;
    };
    if (!batch.last) {
      yield { records: [], columns, positions, payloads, rejects, commit: async (_tx, done) => count(done) };
      continue;
    }
    yield {
      records: [],
      columns,
      positions,
      payloads,
      rejects,
      commit: async (tx, done) => {
        count(done);
        await recordFileLoad(tx, {
          source: "erp_files",
          file: name,
          checksum,
          stream: pattern.stream,
          rows: loaded,
          rejects: rejected,
          runId,
          pending,
        });
      },
    };
  }
}

export const erpFilesSource: Source = {
  name: "erp_files",
  declaredStreams(config) {
    const cfg = config.sources.erp_files;
    return cfg?.enabled ? cfg.files.map((f) => f.stream) : [];
  },
  async streams(ctx: SourceContext): Promise<StreamHandle[]> {
    const cfg = ctx.config.sources.erp_files;
    if (!cfg || !cfg.enabled) return [];
    const dir = cfg.dir ?? ctx.credentials.erpExportDir;
    if (!dir) {
      throw new ConfigError(
        "the erp_files source needs a folder: set ERP_EXPORT_DIR or sources.erp_files.dir",
      );
    }
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError(`cannot read the ERP export folder ${dir}: ${err.code ?? err.message}`);
    });
    return cfg.files.map((pattern) => {
      const re = globToRegExp(pattern.pattern);
      // Export names carry their period; name order is load order, so later exports win ties.
      // Only files: a folder (or anything else) whose name matches is left alone, with a word.
      const files: string[] = [];
      for (const e of entries) {
        if (!re.test(e.name)) continue;
        if (e.isFile() || (e.isSymbolicLink() && isFileSync(path.join(dir, e.name)))) files.push(e.name);
        else
          ctx.log.warn(
            { file: e.name, pattern: pattern.pattern, stream: pattern.stream },
            "matches the file pattern but is not a file; skipped",
          );
      }
      files.sort();
      return {
        descriptor: fileStreamDescriptor(pattern),
        async *read() {
          // A full refresh starts its ledger over (a killed one's pending files were never swapped in).
          if (ctx.fullRefresh)
            await ctx.warehouse.query(
              `DELETE FROM trueup.file_loads_pending WHERE source = 'erp_files' AND stream = $1`,
              [pattern.stream],
            );
          for (const f of files) {
            const full = path.join(dir, f);
            const checksum = await sha256(full);
            if (!ctx.fullRefresh && (await alreadyLoaded(ctx.warehouse, f, checksum))) {
              ctx.log.debug({ file: f }, "already loaded (same name and checksum); skipped");
              continue;
            }
            yield* readCsvFile(full, pattern, checksum, ctx.runId, ctx.fullRefresh);
          }
        },
        replaced: (tx) => replaceFileLoads(tx, "erp_files", pattern.stream),
      };
    });
  },
};
