import { onShutdown } from "../core/shutdown.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { startWorker } from "../orchestration/worker.js";
import { openOrchestrator } from "../api/session.js";
import type { CommandContext } from "./context.js";

// Moved to the library layer; re-exported for the commands that import them from here.
export { openOrchestrator, runHistory } from "../api/session.js";

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
