import { ConfigError } from "../core/errors.js";
import { onShutdown } from "../core/shutdown.js";
import { acquireRunLock, describeHolder, type RunLock } from "../orchestration/run-lock.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import type { CommandContext } from "./context.js";
import { runHistory } from "./worker.js";

/**
 * Takes the run lock for a command that writes to the warehouse (see orchestration/run-lock.ts),
 * saying on stderr whom it waits for; the lock is released when the command exits.
 */
export async function lockRun(ctx: CommandContext, command: string): Promise<RunLock> {
  const db = await runHistory(ctx);
  if (!(db instanceof PostgresWarehouse))
    throw new ConfigError("the run lock needs a Postgres run history: set ORCHESTRATOR_DATABASE_URL");
  const lock = await acquireRunLock(db, {
    runId: ctx.runId,
    command,
    waitMs: ctx.lockWaitMs,
    log: ctx.log,
    onWait: (holder) =>
      process.stderr.write(
        `trueup: waiting for ${describeHolder(holder)} to finish` +
          (ctx.lockWaitMs === undefined
            ? " (--lock-wait <seconds> gives up after a while)\n"
            : ` (at most ${ctx.lockWaitMs / 1000} s)\n`),
      ),
  });
  onShutdown(() => lock.release());
  for (const a of lock.abandoned)
    process.stderr.write(
      `trueup: run ${a.runId} was left running by a process that is gone (last seen ${new Date(a.lastSeenAt).toISOString()}); marked abandoned\n`,
    );
  return lock;
}
