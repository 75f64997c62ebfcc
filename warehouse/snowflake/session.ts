import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kysely, type CompiledQuery, type DatabaseConnection, type Driver } from "kysely";
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
import { SnowflakeDialect } from "./dialect.js";
import type { SnowflakeConnection } from "./driver.js";
import * as S from "./sql.js";
import { rejectsFromValidate, writeStageFiles, type StagedFile, type ValidateRow } from "./stage-load.js";
import { SNOWFLAKE_TYPES, logicalType } from "./types.js";

/** Snowflake identifiers may be 255 characters long; longer ones are shortened like Postgres's. */
const MAX_IDENTIFIER_BYTES = 255;

/**
 * trueup writes its statements with Postgres-style `$1` placeholders; Snowflake's driver takes
 * `:1` (same numbering, and a number may repeat). Rewritten outside string literals, quoted
 * identifiers and comments, so a `$1` inside `'…'` stays text.
 */
export function snowflakeBinds(sql: string): string {
  let out = "";
  for (let i = 0; i < sql.length;) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j++;
          else break;
        } else if (ch === "'" && sql[j] === "\\") j++; // Snowflake strings take backslash escapes
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const j = end < 0 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const j = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (ch === "$" && /[0-9]/.test(sql[i + 1] ?? "") && !/[\w$]/.test(sql[i - 1] ?? "")) {
      let j = i + 1;
      while (/[0-9]/.test(sql[j] ?? "")) j++;
      out += `:${sql.slice(i + 1, j)}`;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * What a statement does to a transaction in Snowflake. DDL commits the open transaction
 * implicitly (and runs in its own), so a transaction session refuses DDL once it has begun;
 * PUT uploads files and is kept out of transactions too. DML opens the transaction.
 */
export function statementKind(sql: string): "ddl" | "dml" | "put" | "other" {
  const head = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  switch (head) {
    case "CREATE":
    case "ALTER":
    case "DROP":
    case "UNDROP":
    case "COMMENT":
    case "GRANT":
    case "REVOKE":
    case "USE":
      return "ddl";
    case "INSERT":
    case "UPDATE":
    case "DELETE":
    case "MERGE":
    case "COPY":
    case "TRUNCATE":
      return "dml";
    case "PUT":
    case "REMOVE":
      return "put";
    default:
      return "other";
  }
}

/**
 * Bind values as the driver wants them: an array bind means a multi-row insert to snowflake-sdk,
 * so arrays and objects travel as JSON text (bound where `PARSE_JSON(:n)` reads them).
 */
function bindValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return v;
}

/**
 * Row keys in lower case. The session resolves quoted identifiers case-insensitively
 * (QUOTED_IDENTIFIERS_IGNORE_CASE, see driver.ts), so Snowflake stores and returns trueup's
 * names upper case; trueup's names are lower-case snake_case, as on Postgres.
 */
function lowerKeys<R>(rows: readonly unknown[]): R[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row as Record<string, unknown>)) out[k.toLowerCase()] = v;
    return out as R;
  });
}

/** Runs statements: on any pooled connection, or on a transaction's own (see SnowflakeWarehouse). */
export interface StatementRunner {
  run(sql: string, binds: readonly unknown[]): Promise<{ rows: unknown[]; updated?: number }>;
}

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

/**
 * A transaction on one connection, begun lazily: DDL and PUT may run first (Snowflake would
 * otherwise commit the transaction under them), the first DML statement opens it, and from
 * then on DDL or PUT is refused, so rows and cursor can never be split across two commits.
 */
export class TransactionRunner implements StatementRunner {
  began = false;

  constructor(readonly conn: SnowflakeConnection) {}

  async run(sql: string, binds: readonly unknown[]) {
    const kind = statementKind(sql);
    if (this.began && (kind === "ddl" || kind === "put"))
      throw new WarehouseError(
        `a ${kind === "ddl" ? "DDL statement" : "PUT"} inside a Snowflake transaction would commit it halfway; ` +
          `make schema changes and stage files before the first write: ${sql.slice(0, 80)}`,
      );
    if (!this.began && kind === "dml") {
      await this.conn.run("BEGIN");
      this.began = true;
    }
    return this.conn.run(sql, binds);
  }
}

/**
 * A kysely instance whose statements go through `runner` (a transaction's, so kysely's writes
 * begin it and its DDL is refused after, like any other statement of the transaction).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kyselyOn(runner: StatementRunner): Kysely<any> {
  const dialect = new SnowflakeDialect();
  const conn: DatabaseConnection = {
    executeQuery: async <R>(q: CompiledQuery) => {
      const r = await runner.run(q.sql, q.parameters.map(bindValue));
      return {
        rows: lowerKeys<R>(r.rows),
        numAffectedRows: r.updated === undefined ? undefined : BigInt(r.updated),
      };
    },
    // eslint-disable-next-line require-yield
    streamQuery: async function* () {
      throw new WarehouseError("streaming queries are not supported on Snowflake");
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => conn,
    beginTransaction: async () => {
      throw new WarehouseError("already in a transaction");
    },
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return new Kysely({
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => dialect.createIntrospector(db),
      createQueryCompiler: () => dialect.createQueryCompiler(),
    },
  });
}
