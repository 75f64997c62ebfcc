import { createPrivateKey } from "node:crypto";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { WarehouseError } from "../../core/errors.js";
import type { SnowflakeConnectionConfig } from "./connection.js";

/** The part of snowflake-sdk's connection trueup uses. */
interface SdkConnection {
  connect(cb: (err: Error | undefined, conn: SdkConnection) => void): void;
  execute(options: {
    sqlText: string;
    binds?: unknown[];
    complete: (err: Error | undefined, stmt: { getNumUpdatedRows?: () => number }, rows?: unknown[]) => void;
  }): void;
  destroy(cb: (err: Error | undefined) => void): void;
}

type SdkModule = {
  createConnection(options: Record<string, unknown>): SdkConnection;
  configure(options: Record<string, unknown>): void;
};

/**
 * snowflake-sdk is loaded on first use: it pulls in the AWS and Azure SDKs, which a Postgres
 * user should not pay for (or see warnings from) at every start.
 */
async function sdk(): Promise<SdkModule> {
  const mod = (await import("snowflake-sdk")) as unknown as { default?: SdkModule } & SdkModule;
  const s = mod.default ?? mod;
  s.configure({ logLevel: "ERROR" });
  return s;
}

/** An encrypted PKCS#8 key is decrypted here, so the SDK only ever sees a plain PEM. */
function plainKey(pem: string, passphrase?: string): string {
  return createPrivateKey({ key: pem, format: "pem", passphrase })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
}

export class SnowflakeConnection implements DatabaseConnection {
  constructor(readonly raw: SdkConnection) {}

  run(sqlText: string, binds: readonly unknown[] = []): Promise<{ rows: unknown[]; updated?: number }> {
    return new Promise((resolve, reject) => {
      this.raw.execute({
        sqlText,
        binds: binds.map((b) => (b instanceof Date ? b.toISOString() : b)),
        complete: (err, stmt, rows) => {
          if (err) reject(err);
          else resolve({ rows: rows ?? [], updated: stmt.getNumUpdatedRows?.() });
        },
      });
    });
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.run(q.sql, q.parameters);
    return {
      rows: r.rows as R[],
      numAffectedRows: r.updated === undefined ? undefined : BigInt(r.updated),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error(
      "streaming queries are not supported on Snowflake; page with LIMIT/OFFSET or unload to a stage",
    );
  }
}

/** Connections opened on demand and kept for reuse, up to `max`. */
export class SnowflakeDriver implements Driver {
  private readonly idle: SnowflakeConnection[] = [];
  private readonly all = new Set<SnowflakeConnection>();

  constructor(
    private readonly config: SnowflakeConnectionConfig,
    private readonly max = 4,
    /**
     * How long a login may take. snowflake-sdk retries an unreachable account (a typo, no
     * network) for minutes without a word; trueup gives up after this, naming the account.
     */
    private readonly connectTimeoutMs = 60_000,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const reuse = this.idle.pop();
    if (reuse) return reuse;
    const s = await sdk();
    const c = this.config;
    const raw = s.createConnection({
      account: c.account,
      username: c.username,
      database: c.database,
      schema: c.schema,
      warehouse: c.warehouse,
      role: c.role,
      application: "trueup",
      authenticator: c.authenticator,
      // Numbers as text: ids and money must never pass through a JS float (as with pg's int8
      // and numeric in warehouse/postgres); dates as text, as Snowflake formats them.
      fetchAsString: ["Number", "Date"],
      ...(c.privateKey ? { privateKey: plainKey(c.privateKey, c.privateKeyPass) } : { password: c.password }),
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new WarehouseError(
            `no answer from Snowflake account ${c.account} within ${Math.round(this.connectTimeoutMs / 1000)} s: ` +
              `check the account in WAREHOUSE_URL (snowflake://USER@ACCOUNT/…) and the network`,
          ),
        );
        raw.destroy(() => {});
      }, this.connectTimeoutMs);
      raw.connect((err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
    const conn = new SnowflakeConnection(raw);
    this.all.add(conn);
    // Binds that are ISO strings land in TIMESTAMP_TZ columns with their offset. trueup quotes
    // its lower-case names while models' CTAS aliases are unquoted (stored upper case): quoted
    // identifiers resolve case-insensitively, so "customer_id" finds CUSTOMER_ID.
    await conn.run(
      `ALTER SESSION SET TIMEZONE = 'UTC', TIMESTAMP_INPUT_FORMAT = 'AUTO', QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE`,
    );
    return conn;
  }

  async beginTransaction(conn: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("BEGIN"));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("COMMIT"));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("ROLLBACK"));
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    if (this.idle.length < this.max) this.idle.push(conn as SnowflakeConnection);
    else await this.close(conn as SnowflakeConnection);
  }

  private async close(conn: SnowflakeConnection): Promise<void> {
    this.all.delete(conn);
    await new Promise<void>((resolve) => conn.raw.destroy(() => resolve()));
  }

  async destroy(): Promise<void> {
    this.idle.length = 0;
    await Promise.all([...this.all].map((c) => this.close(c)));
  }
}
