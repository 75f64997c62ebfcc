import path from "node:path";
import { onShutdown } from "../core/shutdown.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { startWorker } from "../orchestration/worker.js";
import { migrate } from "../warehouse/migrations/migrate.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { startEmbedded } from "../warehouse/postgres/embedded.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import type { CommandContext } from "./context.js";

/**
 * The orchestrator database (graphile-worker's queue, run history): ORCHESTRATOR_DATABASE_URL,
 * else the warehouse when it is Postgres, else (Snowflake) the embedded Postgres, started here.
 */
export async function openOrchestrator(
  ctx: CommandContext,
): Promise<{ orchestrator: PostgresWarehouse; warehouse: Warehouse }> {
  const { warehouse } = await ctx.warehouse();
  const url = process.env.ORCHESTRATOR_DATABASE_URL ?? ctx.loaded.config.orchestrator.url;
  let orchestrator: PostgresWarehouse;
  if (url) {
    orchestrator = await PostgresWarehouse.connect({ url, applicationName: "trueup-orchestrator" });
  } else if (warehouse instanceof PostgresWarehouse) {
    return { orchestrator: warehouse, warehouse };
  } else {
    const embedded = ctx.loaded.config.warehouse.embedded;
    const server = await startEmbedded({
      dir: path.resolve(process.cwd(), embedded.dir),
      port: embedded.port,
      log: (msg) => ctx.log.info({ component: "embedded-postgres" }, msg),
    });
    orchestrator = await PostgresWarehouse.connect({
      url: server.url,
      applicationName: "trueup-orchestrator",
      onClose: () => server.stop(),
    });
  }
  onShutdown(() => orchestrator.close());
  await migrate(orchestrator);
  return { orchestrator, warehouse };
}

/**
 * Where `trueup.runs` and `node_runs` are written and read: the warehouse when it is Postgres
 * (as always), else (Snowflake) the orchestrator's Postgres.
 */
export async function runHistory(ctx: CommandContext): Promise<WarehouseSession> {
  const { warehouse } = await ctx.warehouse();
  return warehouse.dialect === "postgres" ? warehouse : (await openOrchestrator(ctx)).orchestrator;
}

export async function workerCommand(ctx: CommandContext, opts: { concurrency?: number }): Promise<number> {
  const { orchestrator, warehouse } = await openOrchestrator(ctx);
  const { models } = await loadProject(ctx.loaded.config, projectRoot(ctx.loaded));
  const handle = await startWorker({
    orchestrator,
    warehouse,
    config: ctx.loaded.config,
    credentials: ctx.credentials(),
    models,
    log: ctx.log,
    concurrency: opts.concurrency,
    heartbeatMs: Number(process.env.TRUEUP_WORKER_HEARTBEAT_MS ?? 5000),
    staleAfterMs: Number(process.env.TRUEUP_WORKER_STALE_MS ?? 30000),
  });
  onShutdown(() => handle.stop());
  ctx.log.info(
    { worker: handle.workerId, concurrency: opts.concurrency ?? ctx.loaded.config.orchestrator.concurrency },
    "worker started",
  );
  process.stderr.write(`trueup worker ${handle.workerId} running; Ctrl-C stops it cleanly\n`);
  await handle.runner.promise;
  return 0;
}
