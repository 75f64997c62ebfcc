import path from "node:path";
import { readCredentials, registerEnvSecrets, type Credentials } from "../config/credentials.js";
import { loadConfig, parseConfig, resolveConfigPaths, type LoadedConfig } from "../config/load.js";
import type { ConfigInput } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { createLogger, effectiveLogLevel, type Logger } from "../core/log.js";
import { newRunId } from "../core/run-id.js";
import { onShutdown } from "../core/shutdown.js";
import { acquireRunLock, type RunLock, type RunLockHolder } from "../orchestration/run-lock.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import { migrate } from "../warehouse/migrations/migrate.js";
import { openWarehouse, type OpenedWarehouse } from "../warehouse/open.js";
import { warehouseAsOrchestrator } from "../warehouse/orchestrator-home.js";
import { startEmbedded } from "../warehouse/postgres/embedded.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";

/** What every programmatic call (`run`, `extract`, `build`, `reconcile`, `sync`, `demo`) takes. */
export interface TrueupOptions {
  /**
   * The config: the path of a config file, or the config itself (what `defineConfig` takes).
   * Default: trueup.config.ts, .mts, .js or .mjs in `cwd`, else built-in defaults.
   */
  config?: string | ConfigInput;
  /** The project folder: the default config, `.env` and a config object's relative paths are taken from it. */
  cwd?: string;
  /** Where log lines go; default JSON lines on stderr at the config's `log.level` (TRUEUP_LOG_LEVEL wins). */
  logger?: Logger;
  /** The run id stamped on every row and log line; default a new one. */
  runId?: string;
  /** How long to wait for another run writing to the same warehouse; default as long as it takes. */
  lockWaitMs?: number;
}

/**
 * One command's worth of trueup: its config, run id and logger, and the warehouse it opens on
 * first use. The CLI's command context is one; programmatic calls make their own.
 */
export interface Session {
  runId: string;
  log: Logger;
  loaded: LoadedConfig;
  credentials(): Credentials;
  /** Opens (once) the configured warehouse; the embedded one is started if needed. */
  warehouse(): Promise<OpenedWarehouse>;
  /** How long to wait for the run lock; unset: no limit. */
  lockWaitMs?: number;
  /** Called once when another run holds the lock, with that run. */
  onLockWait?(holder: RunLockHolder | undefined): void;
  /** Runs `fn` when the session ends (or the process is stopped by a signal). */
  defer(fn: () => Promise<void> | void): void;
}

/**
 * Runs `fn` with a session of its own and closes everything it opened (warehouse, embedded
 * Postgres, orchestrator, run lock) afterwards, whether `fn` succeeded or threw.
 */
export async function withSession<T>(
  options: TrueupOptions,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const runId = options.runId ?? newRunId();
  let loaded: LoadedConfig;
  if (options.config !== undefined && typeof options.config !== "string") {
    if (typeof options.config !== "object" || options.config === null)
      throw new ConfigError(
        "config must be a config object (what defineConfig takes) or the path of a config file",
      );
    registerEnvSecrets(process.env);
    loaded = { config: resolveConfigPaths(parseConfig(options.config, "the config passed in"), cwd) };
  } else {
    loaded = await loadConfig({ configPath: options.config, cwd });
  }
  const log = options.logger
    ? options.logger.child({ run_id: runId })
    : createLogger({ runId, level: effectiveLogLevel(loaded.config.log.level) });
  const cleanups: (() => Promise<void>)[] = [];
  let opened: Promise<OpenedWarehouse> | undefined;
  const session: Session = {
    runId,
    log,
    loaded,
    lockWaitMs: options.lockWaitMs,
    credentials: () => readCredentials(),
    warehouse: () => {
      opened ??= openWarehouse(loaded.config, { cwd }).then((o) => {
        session.defer(() => o.warehouse.close());
        return o;
      });
      return opened;
    },
    defer: (cleanup) => {
      const off = onShutdown(cleanup);
      cleanups.push(async () => {
        off();
        await cleanup();
      });
    },
  };
  try {
    return await fn(session);
  } finally {
    // Newest first: the lock and the orchestrator go before the warehouse they sit on.
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * The orchestrator database (graphile-worker's queue, run history): ORCHESTRATOR_DATABASE_URL,
 * else the warehouse when it is Postgres, else (Snowflake) the embedded Postgres, started here.
 */
export async function openOrchestrator(
  session: Session,
): Promise<{ orchestrator: PostgresWarehouse; warehouse: Warehouse }> {
  const { warehouse } = await session.warehouse();
  const url = process.env.ORCHESTRATOR_DATABASE_URL ?? session.loaded.config.orchestrator.url;
  const own = warehouseAsOrchestrator(warehouse);
  let orchestrator: PostgresWarehouse;
  if (url) {
    orchestrator = await PostgresWarehouse.connect({ url, applicationName: "trueup-orchestrator" });
  } else if (own) {
    return { orchestrator: own, warehouse };
  } else {
    const embedded = session.loaded.config.warehouse.embedded;
    const server = await startEmbedded({
      dir: path.resolve(process.cwd(), embedded.dir),
      port: embedded.port,
      log: (msg) => session.log.info({ component: "embedded-postgres" }, msg),
    });
    orchestrator = await PostgresWarehouse.connect({
      url: server.url,
      applicationName: "trueup-orchestrator",
      onClose: () => server.stop(),
    });
  }
  session.defer(() => orchestrator.close());
  await migrate(orchestrator);
  return { orchestrator, warehouse };
}

/**
 * Where `trueup.runs` and `node_runs` are written and read: the warehouse when it can hold them
 * (a Postgres, as always), else (Snowflake) the orchestrator's Postgres.
 */
export async function runHistory(session: Session): Promise<PostgresWarehouse> {
  const { warehouse } = await session.warehouse();
  return warehouseAsOrchestrator(warehouse) ?? (await openOrchestrator(session)).orchestrator;
}

/**
 * Takes the run lock for a command that writes to the warehouse (see orchestration/run-lock.ts);
 * it is released when the session ends.
 */
export async function lockRun(session: Session, command: string): Promise<RunLock> {
  const db = await runHistory(session);
  const lock = await acquireRunLock(db, {
    runId: session.runId,
    command,
    waitMs: session.lockWaitMs,
    log: session.log,
    onWait: session.onLockWait,
  });
  session.defer(() => lock.release());
  for (const a of lock.abandoned)
    session.log.warn(
      { abandoned_run: a.runId, last_seen_at: new Date(a.lastSeenAt).toISOString() },
      "a run left running by a process that is gone was marked abandoned",
    );
  return lock;
}
