import { Kysely } from "kysely";
import { WarehouseError } from "../../core/errors.js";
import { registerSecret } from "../../core/log.js";
import type { CopyChunk, TableRef, Warehouse, WarehouseSession } from "../interfaces.js";
import type { SnowflakeConnectionConfig } from "./connection.js";
import { SnowflakeDialect } from "./dialect.js";
import { SnowflakeDriver, type SnowflakeConnection } from "./driver.js";
import { SnowflakeSession, TransactionRunner, kyselyOn, type StatementRunner } from "./session.js";

/** Where the warehouse's connections come from: the driver's pool (or, in tests, one connection). */
interface ConnectionSource {
  acquire(): Promise<SnowflakeConnection>;
  release(conn: SnowflakeConnection): Promise<void>;
  destroy(): Promise<void>;
}

/** Each statement on a pooled connection, in autocommit. */
class PoolRunner implements StatementRunner {
  constructor(private readonly source: ConnectionSource) {}

  async run(sql: string, binds: readonly unknown[]) {
    const conn = await this.source.acquire();
    try {
      return await conn.run(sql, binds);
    } finally {
      await this.source.release(conn);
    }
  }
}

/**
 * The warehouse on Snowflake (WAREHOUSE_URL=snowflake://…): statements through snowflake-sdk,
 * bulk loads through table stages (PUT, COPY INTO), transactions begun at their first write
 * (see TransactionRunner). graphile-worker and run history stay on Postgres (cli/worker.ts).
 */
export class SnowflakeWarehouse extends SnowflakeSession implements Warehouse {
  private closed = false;

  private constructor(
    private readonly source: ConnectionSource,
    readonly displayUrl: string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    db?: Kysely<any>,
  ) {
    const runner = new PoolRunner(source);
    super(runner, db ?? kyselyOn(runner));
  }

  static async connect(
    config: SnowflakeConnectionConfig,
    options: { maxConnections?: number } = {},
  ): Promise<SnowflakeWarehouse> {
    for (const secret of [config.password, config.privateKeyPass]) if (secret) registerSecret(secret);
    const max = options.maxConnections ?? 4;
    const driver = new SnowflakeDriver(config, max);
    const source: ConnectionSource = {
      acquire: async () => (await driver.acquireConnection()) as SnowflakeConnection,
      release: (conn) => driver.releaseConnection(conn),
      destroy: () => driver.destroy(),
    };
    const wh = new SnowflakeWarehouse(
      source,
      config.display,
      new Kysely({ dialect: new SnowflakeDialect(config, max) }),
    );
    try {
      await wh.query("SELECT 1");
    } catch (err) {
      await driver.destroy().catch(() => {});
      throw new WarehouseError(
        `cannot connect to Snowflake at ${config.display}: ${(err as Error).message}. ` +
          `Check WAREHOUSE_URL, the credentials (SNOWFLAKE_PRIVATE_KEY_PATH or SNOWFLAKE_PASSWORD), the role and the warehouse.`,
        { cause: err },
      );
    }
    return wh;
  }

  /**
   * The warehouse over one connection that is open already, every statement and transaction on
   * it (one at a time). For checking what trueup sends over a connection that records it.
   */
  static on(conn: SnowflakeConnection, displayUrl = "snowflake://(one connection)"): SnowflakeWarehouse {
    return new SnowflakeWarehouse(
      { acquire: async () => conn, release: async () => {}, destroy: async () => {} },
      displayUrl,
    );
  }

  async transaction<T>(fn: (tx: WarehouseSession) => Promise<T>): Promise<T> {
    const conn = await this.source.acquire();
    const runner = new TransactionRunner(conn);
    const session = new SnowflakeSession(runner, kyselyOn(runner));
    try {
      const result = await fn(session);
      if (runner.began) await conn.run("COMMIT");
      return result;
    } catch (err) {
      if (runner.began) await conn.run("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      await session.cleanup((sql) => conn.run(sql));
      await this.source.release(conn);
    }
  }

  /**
   * Outside a transaction too, a bulk load runs on one connection: VALIDATE reports the last
   * COPY of its own session, and the staged files are removed after.
   */
  override async copyIn(
    table: TableRef,
    columns: readonly string[],
    batches: AsyncIterable<CopyChunk> | Iterable<CopyChunk>,
  ): Promise<number> {
    return this.transaction((tx) => tx.copyIn(table, columns, batches));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
    await this.source.destroy();
  }
}
