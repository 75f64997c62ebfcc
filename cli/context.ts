import { loadConfig } from "../config/load.js";
import { readCredentials } from "../config/credentials.js";
import { ConfigError, TrueupError, errorMessage } from "../core/errors.js";
import { createLogger, effectiveLogLevel, setLogger, type LogFormat } from "../core/log.js";
import { redactText } from "../core/redact.js";
import { newRunId } from "../core/run-id.js";
import { onShutdown, runCleanups } from "../core/shutdown.js";
import { openWarehouse, type OpenedWarehouse } from "../warehouse/open.js";
import type { Session } from "../api/session.js";
import { describeHolder } from "../orchestration/run-lock.js";

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  /** Log lines as JSON or pretty; default pretty on a TTY, JSON otherwise. */
  logFormat?: LogFormat;
  /** Seconds to wait for a run holding the warehouse (see cli/run-lock.ts); unset: as long as it takes. */
  lockWait?: number;
}

/** A session (see api/session.ts) that also prints: what every command gets. */
export interface CommandContext extends Session {
  json: boolean;
  /** Command output on stdout, redacted of every credential (core/redact.ts). */
  print(text: string): void;
  /** `--json` output, redacted likewise (the JSON stays valid: masks are plain text). */
  printJson(value: unknown): void;
  /**
   * Output whose credentials are the point of it (the sandbox's environment, the connection
   * string `demo --serve` hands to psql): printed as is. Nothing else may use it.
   */
  printRevealing(text: string): void;
}

function lockWaitMs(flag: number | undefined): number | undefined {
  if (flag !== undefined) return flag * 1000;
  const env = process.env.TRUEUP_LOCK_WAIT;
  if (env === undefined || env === "") return undefined;
  const n = Number(env);
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(`TRUEUP_LOCK_WAIT must be a number of seconds (0 or more), got "${env}"`);
  return n * 1000;
}

function writeLine(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * Runs one command: loads config, sets up the run-scoped logger, and guarantees that whatever
 * the command opened (warehouse, embedded server) is closed on success, failure or a signal.
 * Exit codes: 0 success, 1 failed run, 2 usage or configuration error.
 */
export async function runCommand(
  opts: GlobalOptions,
  fn: (ctx: CommandContext) => Promise<number | void>,
): Promise<never> {
  const runId = newRunId();
  // An error thrown outside the command's own chain (an event handler, a stray promise) would
  // otherwise be printed by Node as it is, credentials included: redact it, clean up, exit 1.
  const crash = (err: unknown) => {
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`trueup: unexpected failure: ${redactText(stack)}\n`);
    void runCleanups().finally(() => process.exit(1));
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  const log = createLogger({
    runId,
    level: "info",
    pretty: opts.logFormat === undefined ? undefined : opts.logFormat === "pretty",
  });
  setLogger(log);
  let code: number;
  try {
    log.level = effectiveLogLevel("info");
    const loaded = await loadConfig({ configPath: opts.config });
    log.level = effectiveLogLevel(loaded.config.log.level);
    log.debug({ config: loaded.file ?? "built-in defaults", log_level: log.level }, "config loaded");
    let opened: Promise<OpenedWarehouse> | undefined;
    const waitMs = lockWaitMs(opts.lockWait);
    const ctx: CommandContext = {
      runId,
      log,
      loaded,
      json: opts.json === true,
      lockWaitMs: waitMs,
      onLockWait: (holder) =>
        process.stderr.write(
          `trueup: waiting for ${describeHolder(holder)} to finish` +
            (waitMs === undefined
              ? " (--lock-wait <seconds> gives up after a while)\n"
              : ` (at most ${waitMs / 1000} s)\n`),
        ),
      credentials: () => readCredentials(),
      defer: (cleanup) => void onShutdown(cleanup),
      warehouse: () => {
        opened ??= openWarehouse(loaded.config).then((o) => {
          onShutdown(() => o.warehouse.close());
          return o;
        });
        return opened;
      },
      print: (text) => writeLine(redactText(text)),
      printJson: (value) => writeLine(redactText(JSON.stringify(value, null, 2))),
      printRevealing: writeLine,
    };
    code = (await fn(ctx)) ?? 0;
  } catch (err) {
    code = err instanceof TrueupError ? err.exitCode : 1;
    const message = redactText(errorMessage(err));
    if (!(err instanceof TrueupError)) log.error({ err }, "unexpected failure");
    process.stderr.write(`trueup: ${message}\n`);
  } finally {
    await runCleanups();
  }
  process.exit(code);
}
