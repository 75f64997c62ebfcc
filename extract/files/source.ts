import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse";
import type { ErpFilePattern } from "../../config/schema.js";
import { ConfigError } from "../../core/errors.js";
import type { ExtractBatch, RejectRecord, StreamDescriptor } from "../../load/interfaces.js";
import type { ColumnType, WarehouseSession } from "../../warehouse/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../interfaces.js";
import { parseBoolean, parseDate, parseDecimal, parseInteger, type Converted } from "./csv-values.js";

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

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function converter(type: string, pattern: ErpFilePattern): (raw: string) => Converted {
  switch (type) {
    case "numeric":
      return (raw) => parseDecimal(raw, pattern.decimalComma);
    case "date":
      return (raw) => parseDate(raw, pattern.dateFormat);
    case "bigint":
      return parseInteger;
    case "boolean":
      return parseBoolean;
    default:
      return (raw) => ({ ok: true, value: raw });
  }
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
    readAhead: true,
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

/** Reads one file into batches; the last batch records the file as loaded. */
export async function* readCsvFile(
  file: string,
  pattern: ErpFilePattern,
  checksum: string,
  runId: string,
): AsyncGenerator<ExtractBatch> {
  const name = path.basename(file);
  const converters = new Map(Object.entries(pattern.columns).map(([c, t]) => [c, converter(t, pattern)]));
  const skipped: RejectRecord[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      delimiter: pattern.delimiter,
      bom: pattern.bom,
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      relax_quotes: false,
      info: true,
      raw: true,
      skip_records_with_error: true,
      on_skip: (err, raw) => {
        skipped.push({
          position: `${name}:${err?.lines ?? "?"}`,
          reason: err
            ? err.message.replace(/^Invalid Record Length: /, "wrong number of columns: ")
            : "unparseable row",
          record: raw,
        });
        return undefined;
      },
    }),
  );
  let records: Record<string, unknown>[] = [];
  let positions: string[] = [];
  let rejects: RejectRecord[] = [];
  let loaded = 0;
  let rejected = 0;
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
    raw: string;
  }>) {
    const { record, info } = item;
    const position = `${name}:${info.lines}`;
    const out: Record<string, unknown> = {};
    let bad: RejectRecord | undefined;
    for (const [col, value] of Object.entries(record)) {
      const conv = converters.get(col);
      if (!conv) {
        out[col] = value;
        continue;
      }
      const r = conv(value);
      if (!r.ok) {
        const key = pattern.primaryKey.map((k) => record[k]).join("|");
        bad = { position, recordKey: key || undefined, field: col, reason: `${col}: ${r.reason}`, record };
        break;
      }
      out[col] = r.value;
    }
    if (bad) rejects.push(bad);
    else {
      records.push(out);
      positions.push(position);
      loaded++;
    }
    rejects.push(...skipped.splice(0));
    if (records.length + rejects.length >= BATCH_ROWS) {
      rejected += rejects.length;
      yield { records, positions, rejects };
      records = [];
      positions = [];
      rejects = [];
    }
  }
  rejects.push(...skipped.splice(0));
  rejected += rejects.length;
  yield {
    records,
    positions,
    rejects,
    commit: async (tx) => {
      await tx.query(
        `INSERT INTO trueup.file_loads (source, file_name, checksum, stream, rows, rejects, run_id)
         VALUES ('erp_files', $1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [name, checksum, pattern.stream, loaded, rejected, runId],
      );
    },
  };
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
    const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError(`cannot read the ERP export folder ${dir}: ${err.code ?? err.message}`);
    });
    return cfg.files.map((pattern) => {
      const re = globToRegExp(pattern.pattern);
      // Export names carry their period; name order is load order, so later exports win ties.
      const files = entries.filter((f) => re.test(f)).sort();
      return {
        descriptor: fileStreamDescriptor(pattern),
        async *read() {
          for (const f of files) {
            const full = path.join(dir, f);
            const checksum = await sha256(full);
            if (!ctx.fullRefresh && (await alreadyLoaded(ctx.warehouse, f, checksum))) {
              ctx.log.debug({ file: f }, "already loaded (same name and checksum); skipped");
              continue;
            }
            yield* readCsvFile(full, pattern, checksum, ctx.runId);
          }
        },
      };
    });
  },
};
