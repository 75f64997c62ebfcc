import { sync } from "../api/sync.js";
import { UsageError } from "../core/errors.js";
import { onShutdown } from "../core/shutdown.js";
import { hashPassword, resolveUsers } from "../serve/auth.js";
import { startServe } from "../serve/server.js";
import type { CommandContext } from "./context.js";

export interface ServeCommandOptions {
  port?: number;
  host?: string;
  asOf?: string;
  hashPassword?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** `trueup serve [--port P] [--host H]`: the finance page until SIGINT/SIGTERM. */
export async function serveCommand(ctx: CommandContext, opts: ServeCommandOptions): Promise<number> {
  if (opts.hashPassword) {
    if (process.stdin.isTTY)
      throw new UsageError("pipe the password in: printf %s 'the password' | trueup serve --hash-password");
    const password = await readStdin();
    if (!password)
      throw new UsageError("no password on stdin: printf %s 'the password' | trueup serve --hash-password");
    ctx.print(await hashPassword(password));
    return 0;
  }
  const { config, file } = ctx.loaded;
  const users = resolveUsers(config.serve);
  const { warehouse } = await ctx.warehouse();
  const running = await startServe({
    config,
    warehouse,
    users,
    log: ctx.log,
    asOf: opts.asOf,
    host: opts.host,
    port: opts.port,
    // The same call as `trueup sync --approve ID`, in a session of its own, so the run lock is
    // held only while the plan is written.
    approvePlan: async (planId, actor) => {
      const { runId, syncs } = await sync({
        config: file,
        logger: ctx.log.child({ actor }),
        approve: [planId],
        approvedBy: actor,
        lockWaitMs: 60_000,
      });
      const r = syncs[0];
      if (!r) return `Plan ${planId}: nothing ran (run ${runId}).`;
      if (r.status !== "succeeded")
        throw new UsageError(`plan ${planId} was not applied: ${r.message ?? r.status} (run ${runId})`);
      return `Approved ${planId} for ${actor}: ${r.written} written, ${r.verified} verified, ${r.failed} failed (run ${runId}).`;
    },
  });
  onShutdown(() => running.close());
  ctx.print(`trueup serve: ${running.url} (${Object.keys(config.serve.users).length} users; Ctrl-C stops)`);
  await new Promise(() => undefined);
  return 0;
}
