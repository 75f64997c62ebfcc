import pg from "pg";
import { WarehouseError } from "../../core/errors.js";
import { registerSecret } from "../../core/log.js";
import { currentActivity } from "../activity.js";
import { quoteLiteral } from "../identifiers.js";
import type { Warehouse, WarehouseSession } from "../interfaces.js";
import { PostgresSession } from "./session.js";

// Read int8 and numeric as strings: ids and money must never pass through a JS float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v);

export interface PostgresWarehouseOptions {
  url: string;
  maxConnections?: number;
  /** Called once after close(), e.g. to stop an embedded server. */
  onClose?: () => Promise<void>;
  applicationName?: string;
}

export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return "<unparseable url>";
  }
}

export class PostgresWarehouse extends PostgresSession implements Warehouse {
  readonly displayUrl: string;
  private closed = false;
  /** Connections not yet closed on the wire (see close()). */
  private readonly open = new Set<pg.PoolClient>();

  private constructor(
    /** The pg pool, for libraries that take one (graphile-worker). */
    readonly pool: pg.Pool,
    private readonly options: PostgresWarehouseOptions,
  ) {
    super(pool);
    this.displayUrl = maskUrl(options.url);
  }

  static async connect(options: PostgresWarehouseOptions): Promise<PostgresWarehouse> {
    try {
      registerSecret(decodeURIComponent(new URL(options.url).password));
    } catch {
      /* not a URL; pg will say so below */
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 8,
      application_name: options.applicationName ?? "trueup",
      connectionTimeoutMillis: 15_000,
    });
    // An idle client losing its server (restart, failover) must not crash the process.
    pool.on("error", () => {});
    const wh = new PostgresWarehouse(pool, options);
    pool.on("connect", (client) => {
      wh.open.add(client);
      client.once("end", () => wh.open.delete(client));
    });
    try {
      await wh.query("SELECT 1");
    } catch (err) {
      await pool.end().catch(() => {});
      throw new WarehouseError(
        `cannot connect to the warehouse at ${maskUrl(options.url)}: ${(err as Error).message}. ` +
          `Check WAREHOUSE_URL (or unset it to use the embedded Postgres) and that the server is running.`,
        { cause: err },
      );
    }
    return wh;
  }

  async transaction<T>(fn: (tx: WarehouseSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      // SET LOCAL: the label ends with the transaction, so the pooled connection's next user
      // (labelled or not) is not taken for this work; sent with BEGIN, no extra round trip.
      const label = currentActivity();
      await client.query(
        label === undefined
          ? "BEGIN"
          : `BEGIN; SELECT set_config('application_name', ${quoteLiteral(label)}, true)`,
      );
      const session = new PostgresSession(client);
      try {
        const result = await fn(session);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        await session.db.destroy();
      }
    } finally {
      client.release();
    }
  }

  async lockWaiters(prefix: string): Promise<string[]> {
    const rows = await this.pool.query<{ name: string }>(
      `SELECT application_name AS name FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND starts_with(application_name, $1)`,
      [prefix],
    );
    return rows.rows.map((r) => r.name);
  }

  /**
   * A connection of its own, outside the pool, for session state that must last exactly as long
   * as the caller keeps it (an advisory lock): the caller ends it.
   */
  async dedicatedClient(applicationName: string): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: applicationName,
      connectionTimeoutMillis: 15_000,
    });
    // A lost connection is reported through the caller's own "end" listener, not as a crash.
    client.on("error", () => {});
    await client.connect();
    return client;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
    // kysely ends the pool only if it ever ran a query through it; most of trueup queries the
    // pool directly, so end it here too (else its idle clients outlive the warehouse and, when
    // an embedded server stops, die noisily in graphile-worker's error handlers).
    if (!this.pool.ended) await this.pool.end();
    // pool.end() resolves once its clients are *asked* to end, not when their connections are
    // closed: an embedded server stopped right after (onClose) would terminate those backends,
    // and every client that saw it would report "terminating connection due to administrator
    // command" (graphile-worker logs each as an error). Wait for the connections themselves.
    await Promise.race([
      Promise.all([...this.open].map((c) => new Promise((resolve) => c.once("end", resolve)))),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
    await this.options.onClose?.();
  }
}
