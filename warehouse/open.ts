import path from "node:path";
import { ConfigError } from "../core/errors.js";
import { logger } from "../core/log.js";
import type { Config } from "../config/schema.js";
import type { Warehouse } from "./interfaces.js";
import { migrate } from "./migrations/migrate.js";
import { startEmbedded, type EmbeddedHandle } from "./postgres/embedded.js";
import { PostgresWarehouse } from "./postgres/warehouse.js";
import { parseSnowflakeUrl } from "./snowflake/connection.js";
import { SnowflakeWarehouse } from "./snowflake/warehouse.js";

export interface OpenWarehouseOptions {
  /** Overrides WAREHOUSE_URL / config. */
  url?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Apply the trueup migrations (default true). */
  migrate?: boolean;
}

export interface OpenedWarehouse {
  warehouse: Warehouse;
  /** Set when trueup started its own embedded Postgres. */
  embedded?: EmbeddedHandle;
}

/**
 * WAREHOUSE_URL (or config `warehouse.url`) picks the warehouse; unset means the embedded
 * Postgres under `.trueup/pg`, started here and stopped when the warehouse is closed.
 */
export async function openWarehouse(
  config: Config,
  options: OpenWarehouseOptions = {},
): Promise<OpenedWarehouse> {
  const env = options.env ?? process.env;
  const url = options.url ?? env.WAREHOUSE_URL ?? config.warehouse.url;
  let embedded: EmbeddedHandle | undefined;
  let warehouse: Warehouse;
  if (!url) {
    const dir = path.resolve(options.cwd ?? process.cwd(), config.warehouse.embedded.dir);
    embedded = await startEmbedded({
      dir,
      port: config.warehouse.embedded.port,
      log: (msg) => logger().info({ component: "embedded-postgres" }, msg),
    });
    logger().debug({ port: embedded.port, start_ms: embedded.startMs }, "embedded warehouse started");
    const handle = embedded;
    try {
      warehouse = await PostgresWarehouse.connect({
        url: embedded.url,
        maxConnections: config.warehouse.maxConnections,
        onClose: () => handle.stop(),
      });
    } catch (err) {
      await embedded.stop();
      throw err;
    }
  } else if (/^postgres(ql)?:\/\//.test(url)) {
    warehouse = await PostgresWarehouse.connect({ url, maxConnections: config.warehouse.maxConnections });
  } else if (url.startsWith("snowflake://")) {
    warehouse = await SnowflakeWarehouse.connect(parseSnowflakeUrl(url, env), {
      maxConnections: config.warehouse.maxConnections,
    });
  } else {
    throw new ConfigError(
      `WAREHOUSE_URL must start with postgres:// or snowflake:// (got a value starting ${JSON.stringify(url.slice(0, 12))}); unset it to use the embedded Postgres`,
    );
  }
  if (options.migrate !== false) {
    try {
      await migrate(warehouse);
    } catch (err) {
      await warehouse.close();
      throw err;
    }
  }
  return { warehouse, embedded };
}
