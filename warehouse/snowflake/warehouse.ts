import { Kysely } from "kysely";
import { WarehouseError } from "../../core/errors.js";
import { registerSecret } from "../../core/log.js";
import type { Warehouse, WarehouseSession } from "../interfaces.js";
import type { SnowflakeConnectionConfig } from "./connection.js";
import { SnowflakeDialect } from "./dialect.js";
import { SnowflakeDriver, type SnowflakeConnection } from "./driver.js";
import { SnowflakeSession, TransactionRunner, kyselyOn, type StatementRunner } from "./session.js";

/** Each statement on a pooled connection, in autocommit. */
class PoolRunner implements StatementRunner {
  constructor(private readonly driver: SnowflakeDriver) {}

  async run(sql: string, binds: readonly unknown[]) {
    const conn = (await this.driver.acquireConnection()) as SnowflakeConnection;
    try {
      return await conn.run(sql, binds);
    } finally {
      await this.driver.releaseConnection(conn);
    }
  }
}

/**
 * The warehouse on Snowflake (WAREHOUSE_URL=snowflake://…): statements through snowflake-sdk,
 * bulk loads through table stages (PUT, COPY INTO), transactions begun at their first write
 * (see TransactionRunner). graphile-worker and run history stay on Postgres (cli/worker.ts).
 */
export class SnowflakeWarehouse extends SnowflakeSession implements Warehouse {
  readonly displayUrl: string;
  private closed = false;

  private constructor(
    private readonly driver: SnowflakeDriver,
    config: SnowflakeConnectionConfig,
    maxConnections: number,
  ) {
    super(new PoolRunner(driver), new Kysely({ dialect: new SnowflakeDialect(config, maxConnections) }));
    this.displayUrl = config.display;
  }

  static async connect(
    config: SnowflakeConnectionConfig,
    options: { maxConnections?: number } = {},
  ): Promise<SnowflakeWarehouse> {
    for (const secret of [config.password, config.privateKeyPass]) if (secret) registerSecret(secret);
    const max = options.maxConnections ?? 4;
    const driver = new SnowflakeDriver(config, max);
    const wh = new SnowflakeWarehouse(driver, config, max);
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

  async transaction<T>(fn: (tx: WarehouseSession) => Promise<T>): Promise<T> {
    const conn = (await this.driver.acquireConnection()) as SnowflakeConnection;
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
      await session.cleanup();
      await this.driver.releaseConnection(conn);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
    await this.driver.destroy();
  }
}
