import { writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../core/errors.js";
import { onShutdown } from "../core/shutdown.js";
import { ensureWorld, envFileText, startSandbox, type FaultProfile } from "../sandbox/index.js";
import type { CommandContext } from "./context.js";

export interface SandboxCommandOptions {
  world?: string;
  seed?: number;
  scale?: number;
  port: number;
  envFile?: string;
  faults: FaultProfile;
}

/** `trueup sandbox`: serves a world until SIGINT/SIGTERM; prints (and writes) the environment pointing at it. */
export async function sandboxCommand(ctx: CommandContext, opts: SandboxCommandOptions): Promise<number> {
  if (!opts.world && opts.seed === undefined)
    throw new UsageError("trueup sandbox needs --world DIR or --seed N (with --scale S, default 1)");
  if (opts.world && opts.seed !== undefined) throw new UsageError("give --world or --seed, not both");
  const worldDir = opts.world
    ? path.resolve(opts.world)
    : await ensureWorld(process.cwd(), opts.seed!, opts.scale ?? 1);
  let sandbox;
  try {
    sandbox = await startSandbox({ worldDir, port: opts.port, faults: opts.faults });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  onShutdown(() => sandbox.close());
  const text = envFileText(sandbox.env);
  if (opts.envFile) writeFileSync(opts.envFile, text);
  // The sandbox's own credentials are what this command hands out: printed unmasked.
  if (ctx.json)
    ctx.printRevealing(
      JSON.stringify({ world: worldDir, urls: sandbox.urls, env: sandbox.env, faults: opts.faults }, null, 2),
    );
  else {
    ctx.print(`sandbox serving ${worldDir} (faults: ${opts.faults})`);
    for (const [system, url] of Object.entries(sandbox.urls)) ctx.print(`  ${system.padEnd(10)} ${url}`);
    ctx.printRevealing(`\n${text}`);
    if (opts.envFile) ctx.print(`wrote ${opts.envFile}`);
    ctx.print(
      "admin: GET /__sandbox/requests, PATCH|GET|DELETE /__sandbox/{system}/{object}/{id}; Ctrl-C stops",
    );
  }
  // Serve until a signal: the shutdown handlers close the servers and exit.
  await new Promise(() => undefined);
  return 0;
}
