import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { WarehouseError } from "../../core/errors.js";
import { quoteIdentifier, quoteLiteral, shortenIdentifier } from "../identifiers.js";
import type {
  ColumnInfo,
  ColumnSpec,
  CopyChunk,
  CopyValue,
  EnsureTableOptions,
  RejectRecord,
  TableRef,
  WarehouseSession,
} from "../interfaces.js";
import * as S from "./sql.js";
import { bindValue, lowerKeys, snowflakeBinds, type StatementRunner } from "./statement-runner.js";
import { rejectsFromValidate, writeStageFiles, type StagedFile, type ValidateRow } from "./stage-load.js";
import { SNOWFLAKE_TYPES, logicalType } from "./types.js";

/** Snowflake identifiers may be 255 characters long; longer ones are shortened like Postgres's. */
const MAX_IDENTIFIER_BYTES = 255;

export {
  TransactionRunner,
  kyselyOn,
  snowflakeBinds,
  statementKind,
  type StatementRunner,
} from "./statement-runner.js";

/** Files written and PUT to a stage, waiting for their COPY INTO (see `stage` and `copyStaged`). */
export interface StagedLoad {
  table: TableRef;
  columns: readonly string[];
  /** The table whose stage holds the files (a temporary batch table copies from staging's). */
  stage: TableRef;
  files: StagedFile[];
  dir: string;
}

export class SnowflakeSession implements WarehouseSession {
  readonly dialect = "snowflake" as const;
  private readonly localDirs = new Set<string>();
  /** Files PUT to table stages by this session, removed when its transaction has ended. */
  private readonly remote: { stage: TableRef; prefix: string }[] = [];

  constructor(
    protected readonly runner: StatementRunner,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly db: Kysely<any>,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const r = await this.runner.run(snowflakeBinds(sql), params.map(bindValue));
    return lowerKeys<R>(r.rows);
  }

  physicalName(name: string): string {
    return shortenIdentifier(name, MAX_IDENTIFIER_BYTES);
  }

  quoteIdent(name: string): string {
    return quoteIdentifier(this.physicalName(name));
  }

  quoteTable(table: TableRef): string {
    return `${this.quoteIdent(table.schema)}.${this.quoteIdent(table.name)}`;
  }

  /** Snowflake has no advisory locks; its CREATE … IF NOT EXISTS and ADD COLUMN IF NOT EXISTS are atomic. */
  async lockForTransaction(): Promise<void> {}

  async ensureSchema(schema: string): Promise<void> {
    await this.query(`CREATE SCHEMA IF NOT EXISTS ${this.quoteIdent(schema)}`);
  }

  async ensureTable(
    table: TableRef,
    columns: readonly ColumnSpec[],
    options: EnsureTableOptions = {},
  ): Promise<string[]> {
    if (await this.tableExists(table)) return this.ensureColumns(table, columns);
    await this.query(
      S.createTable(
        { schema: this.physicalName(table.schema), name: this.physicalName(table.name) },
        columns.map((c) => ({ ...c, name: this.physicalName(c.name) })),
        options.primaryKey?.map((k) => this.physicalName(k)),
      ),
    );
    if (options.description)
      await this.query(`COMMENT ON TABLE ${this.quoteTable(table)} IS ${quoteLiteral(options.description)}`);
    return [];
  }

  async ensureColumns(table: TableRef, columns: readonly ColumnSpec[]): Promise<string[]> {
    const existing = new Set((await this.columns(table)).map((c) => this.physicalName(c.name)));
    const missing = columns.filter((c) => !existing.has(this.physicalName(c.name)));
    for (const c of missing) {
      await this.query(
        `ALTER TABLE ${this.quoteTable(table)} ADD COLUMN IF NOT EXISTS ${this.quoteIdent(c.name)} ${SNOWFLAKE_TYPES[c.type]}${c.description ? ` COMMENT ${quoteLiteral(c.description)}` : ""}`,
      );
    }
    return missing.map((c) => c.name);
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const rows = await this.query(
      `SELECT 1 AS ok FROM information_schema.tables WHERE table_schema = UPPER($1) AND table_name = UPPER($2)`,
      [this.physicalName(table.schema), this.physicalName(table.name)],
    );
    return rows.length > 0;
  }

  async columns(table: TableRef): Promise<ColumnInfo[]> {
    const rows = await this.query<{
      column_name: string;
      data_type: string;
      numeric_scale: string | number | null;
      is_nullable: string;
    }>(
      `SELECT column_name, data_type, numeric_scale, is_nullable FROM information_schema.columns
        WHERE table_schema = UPPER($1) AND table_name = UPPER($2) ORDER BY ordinal_position`,
      [this.physicalName(table.schema), this.physicalName(table.name)],
    );
    return rows.map((r) => ({
      name: r.column_name.toLowerCase(),
      type: logicalType(r.data_type, r.numeric_scale === null ? null : Number(r.numeric_scale)),
      nativeType: r.data_type,
      nullable: r.is_nullable === "YES",
    }));
  }

  /**
   * First half of a bulk load: rows → gzip CSV files → PUT into `stage`'s table stage. Runs
   * before a transaction begins (PUT is not transactional); `copyStaged` loads them inside it.
   */
  async stage(
    table: TableRef,
    columns: readonly string[],
    batches: AsyncIterable<CopyChunk> | Iterable<CopyChunk>,
    stage: TableRef = table,
  ): Promise<StagedLoad> {
    const dir = await mkdtemp(path.join(tmpdir(), "trueup-stage-"));
    this.localDirs.add(dir);
    const prefix = `${this.physicalName(table.name)}-${randomBytes(6).toString("hex")}`;
    async function* rows(): AsyncGenerator<readonly (readonly CopyValue[])[]> {
      for await (const b of batches) {
        if ("encoded" in b)
          throw new WarehouseError("Snowflake loads rows; COPY text is Postgres's format (load-stream bug)");
        if (b.length) yield b;
      }
    }
    const files = await writeStageFiles(dir, prefix, rows());
    if (files.length) {
      await this.query(S.putFiles(path.join(dir, `${prefix}-*.csv.gz`), this.physicalTable(stage)));
      this.remote.push({ stage: this.physicalTable(stage), prefix });
    }
    return { table, columns, stage, files, dir };
  }

  /**
   * Second half: COPY INTO from the stage, column for column (`ON_ERROR = CONTINUE`), then the
   * rows it skipped read back with VALIDATE and returned as rejects at the rows' own positions.
   */
  async copyStaged(
    staged: StagedLoad,
    positions: readonly (string | undefined)[] = [],
  ): Promise<{ loaded: number; rejects: RejectRecord[] }> {
    try {
      if (!staged.files.length) return { loaded: 0, rejects: [] };
      const result = await this.runner.run(
        S.copyFromStage(
          this.physicalTable(staged.table),
          staged.columns.map((c) => this.physicalName(c)),
          this.physicalTable(staged.stage),
          staged.files.map((f) => path.basename(f.file)),
        ),
        [],
      );
      let loaded = 0;
      let errors = 0;
      for (const r of lowerKeys<{ rows_loaded?: unknown; errors_seen?: unknown }>(result.rows)) {
        loaded += Number(r.rows_loaded ?? 0);
        errors += Number(r.errors_seen ?? 0);
      }
      if (!errors) return { loaded, rejects: [] };
      const skipped = await this.runner.run(S.validateLastCopy(this.physicalTable(staged.table)), []);
      return { loaded, rejects: rejectsFromValidate(skipped.rows as ValidateRow[], staged.files, positions) };
    } finally {
      await this.dropLocal(staged.dir);
    }
  }

  /**
   * `copyIn` for other callers: stage, then copy column for column. Values land as their
   * column's type; JSON text would land in a VARIANT column as a string, so such tables are
   * refused here (stream loads go through an all-text landing table, see sql.ts). A row
   * Snowflake refuses is an error here; stream loads keep such rows as rejects.
   */
  async copyIn(
    table: TableRef,
    columns: readonly string[],
    batches: AsyncIterable<CopyChunk> | Iterable<CopyChunk>,
  ): Promise<number> {
    const types = new Map((await this.columns(table)).map((c) => [c.name, c.type]));
    const json = columns.filter((c) => types.get(c) === "jsonb");
    if (json.length)
      throw new WarehouseError(
        `copyIn into ${this.quoteTable(table)}: VARIANT columns (${json.join(", ")}) load through a landing table on Snowflake`,
      );
    const staged = await this.stage(table, columns, batches);
    const { loaded, rejects } = await this.copyStaged(staged);
    if (rejects.length)
      throw new WarehouseError(
        `Snowflake refused ${rejects.length} rows loading ${this.quoteTable(table)}; first at ${rejects[0]!.position}: ${rejects[0]!.reason}`,
      );
    return loaded;
  }

  /**
   * After the transaction: local stage files left by a failed load, and the files this session
   * PUT to table stages (kept through the COPY so VALIDATE could read them) removed with `run`,
   * which must be outside any transaction (REMOVE is a file operation, like PUT).
   */
  async cleanup(run?: (sql: string) => Promise<unknown>): Promise<void> {
    await Promise.all([...this.localDirs].map((d) => this.dropLocal(d)));
    for (const { stage, prefix } of this.remote.splice(0))
      await run?.(S.removeStaged(stage, prefix)).catch(() => undefined);
  }

  private async dropLocal(dir: string): Promise<void> {
    this.localDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
  }

  private physicalTable(t: TableRef): TableRef {
    return { schema: this.physicalName(t.schema), name: this.physicalName(t.name) };
  }
}
