import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { Kysely, PostgresDialect } from "kysely";
import type { Pool, PoolClient } from "pg";
import copyStreams from "pg-copy-streams";
import type {
  ColumnInfo,
  ColumnSpec,
  ColumnType,
  CopyChunk,
  EnsureTableOptions,
  TableRef,
  WarehouseSession,
} from "../interfaces.js";
import { quoteIdentifier, quoteLiteral, shortenIdentifier } from "../identifiers.js";
import { encodeBatch } from "./copy-encode.js";
import { POSTGRES_TYPES, fromNativeType } from "./types.js";

type Queryable = Pool | PoolClient;

/**
 * A pool that always hands out the same client, so a Kysely instance built on it runs every
 * statement inside the transaction that client has open.
 */
function singleClientPool(client: PoolClient) {
  return {
    connect: async () => ({ query: client.query.bind(client), release: () => {} }),
    end: async () => {},
  };
}

export class PostgresSession implements WarehouseSession {
  readonly dialect = "postgres" as const;
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  constructor(
    protected readonly conn: Queryable,
    db?: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  ) {
    this.db =
      db ??
      new Kysely({
        dialect: new PostgresDialect({
          pool: "totalCount" in conn ? conn : (singleClientPool(conn) as unknown as Pool),
        }),
      });
  }

  async query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.conn.query(sql, params as unknown[]);
    return result.rows as R[];
  }

  physicalName(name: string): string {
    return shortenIdentifier(name);
  }

  quoteIdent(name: string): string {
    return quoteIdentifier(this.physicalName(name));
  }

  quoteTable(table: TableRef): string {
    return `${this.quoteIdent(table.schema)}.${this.quoteIdent(table.name)}`;
  }

  async copyIn(
    table: TableRef,
    columns: readonly string[],
    batches: AsyncIterable<CopyChunk> | Iterable<CopyChunk>,
  ): Promise<number> {
    const sql = `COPY ${this.quoteTable(table)} (${columns.map((c) => this.quoteIdent(c)).join(", ")}) FROM STDIN`;
    let count = 0;
    async function* encoded() {
      for await (const batch of batches) {
        if ("encoded" in batch) {
          count += batch.rows;
          if (batch.encoded.length) yield batch.encoded;
          continue;
        }
        if (batch.length === 0) continue;
        const text = encodeBatch(batch, columns, count);
        count += batch.length;
        yield text;
      }
    }
    if ("totalCount" in this.conn) {
      const client = await this.conn.connect();
      try {
        await pipeline(Readable.from(encoded()), client.query(copyStreams.from(sql)));
      } finally {
        client.release();
      }
    } else {
      await pipeline(Readable.from(encoded()), this.conn.query(copyStreams.from(sql)));
    }
    return count;
  }

  async lockForTransaction(name: string): Promise<void> {
    await this.conn.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`trueup:${name}`]);
  }

  async ensureSchema(schema: string): Promise<void> {
    await this.conn.query(`CREATE SCHEMA IF NOT EXISTS ${this.quoteIdent(schema)}`);
  }

  private columnDdl(c: ColumnSpec): string {
    return `${this.quoteIdent(c.name)} ${POSTGRES_TYPES[c.type]}${c.nullable === false ? " NOT NULL" : ""}`;
  }

  private async commentColumns(table: TableRef, columns: readonly ColumnSpec[]): Promise<void> {
    for (const c of columns) {
      const long = this.physicalName(c.name) !== c.name;
      // A shortened name keeps its full logical name in the comment, so people can find it.
      const text = [c.description, long ? `(full name: ${c.name})` : undefined].filter(Boolean).join(" ");
      if (text) {
        await this.conn.query(
          `COMMENT ON COLUMN ${this.quoteTable(table)}.${this.quoteIdent(c.name)} IS ${quoteLiteral(text)}`,
        );
      }
    }
  }

  async ensureTable(
    table: TableRef,
    columns: readonly ColumnSpec[],
    options: EnsureTableOptions = {},
  ): Promise<string[]> {
    if (!(await this.tableExists(table))) {
      const defs = columns.map((c) => this.columnDdl(c));
      if (options.primaryKey?.length) {
        defs.push(`PRIMARY KEY (${options.primaryKey.map((c) => this.quoteIdent(c)).join(", ")})`);
      }
      await this.conn.query(
        `CREATE ${options.unlogged ? "UNLOGGED " : ""}TABLE IF NOT EXISTS ${this.quoteTable(table)} (${defs.join(", ")})`,
      );
      if (options.description) {
        await this.conn.query(
          `COMMENT ON TABLE ${this.quoteTable(table)} IS ${quoteLiteral(options.description)}`,
        );
      }
      await this.commentColumns(table, columns);
      return [];
    }
    return this.ensureColumns(table, columns);
  }

  async ensureColumns(table: TableRef, columns: readonly ColumnSpec[]): Promise<string[]> {
    const existing = new Set((await this.physicalColumns(table)).map((c) => c.column_name));
    const missing = columns.filter((c) => !existing.has(this.physicalName(c.name)));
    if (missing.length === 0) return [];
    await this.conn.query(
      `ALTER TABLE ${this.quoteTable(table)} ${missing
        .map((c) => `ADD COLUMN IF NOT EXISTS ${this.columnDdl({ ...c, nullable: true })}`)
        .join(", ")}`,
    );
    await this.commentColumns(table, missing);
    return missing.map((c) => c.name);
  }

  async widenColumn(table: TableRef, column: string, type: ColumnType): Promise<void> {
    const col = this.quoteIdent(column);
    // Text becomes a JSON string (not parsed: it may not be JSON); others convert by cast.
    const using = type === "jsonb" ? `to_jsonb(${col})` : `${col}::${POSTGRES_TYPES[type]}`;
    await this.conn.query(
      `ALTER TABLE ${this.quoteTable(table)} ALTER COLUMN ${col} TYPE ${POSTGRES_TYPES[type]} USING ${using}`,
    );
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const rows = await this.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2) AS ok`,
      [this.physicalName(table.schema), this.physicalName(table.name)],
    );
    return rows[0]?.ok === true;
  }

  private physicalColumns(table: TableRef) {
    return this.query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      comment: string | null;
    }>(
      `SELECT c.column_name, c.data_type, c.is_nullable,
              col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) AS comment
         FROM information_schema.columns c
        WHERE c.table_schema = $1 AND c.table_name = $2
        ORDER BY c.ordinal_position`,
      [this.physicalName(table.schema), this.physicalName(table.name)],
    );
  }

  async columns(table: TableRef): Promise<ColumnInfo[]> {
    const rows = await this.physicalColumns(table);
    return rows.map((r) => {
      const full = r.comment?.match(/\(full name: (.*)\)$/s)?.[1];
      return {
        name: full && this.physicalName(full) === r.column_name ? full : r.column_name,
        type: fromNativeType(r.data_type),
        nativeType: r.data_type,
        nullable: r.is_nullable === "YES",
      };
    });
  }
}
