import { pino, destination, stdTimeFunctions, type Logger, type DestinationStream } from "pino";
import { ConfigError } from "./errors.js";
import { redact, redactText } from "./redact.js";

export type { Logger } from "pino";

// Redaction lives in one place (core/redact.ts), used by the logger and by every other boundary
// where text is stored or printed; re-exported here for the modules that import it from the log.
export { registerSecret, registeredSecrets, redact, redactText } from "./redact.js";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The level a run logs at: TRUEUP_LOG_LEVEL when set (so one run can be made verbose without
 * editing the config), else `fallback` (the config's `log.level`).
 */
export function effectiveLogLevel(fallback: string, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = (env.TRUEUP_LOG_LEVEL ?? "").trim().toLowerCase();
  const level = value === "" ? fallback : value;
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new ConfigError(
      `TRUEUP_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (or unset), got "${env.TRUEUP_LOG_LEVEL}"`,
    );
  return level as LogLevel;
}

export interface LoggerOptions {
  level?: string;
  runId?: string;
  /** Where lines go; defaults to stderr so stdout stays free for command output and `--json`. */
  destination?: DestinationStream;
  /** Pretty-print; defaults to whether stderr is a TTY. */
  pretty?: boolean;
}

/**
 * One JSON object a line, with the run id on every line (pino child bindings) and secrets
 * masked twice: by key in the object, and by value in the serialized line.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level =
    options.level ??
    (LOG_LEVELS as readonly string[]).find((l) => l === process.env.TRUEUP_LOG_LEVEL) ??
    "info";
  const pretty = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  const base = options.runId ? { run_id: options.runId } : {};
  const common = {
    level,
    base,
    timestamp: stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (obj: Record<string, unknown>) => redact(obj) as Record<string, unknown>,
    },
    hooks: {
      // Last line of defence: a secret that reached the message text itself.
      streamWrite: (line: string) => redactText(line),
    },
  };
  if (pretty) {
    return pino({
      ...common,
      transport: {
        target: "pino-pretty",
        options: { destination: 2, colorize: true, translateTime: "SYS:HH:MM:ss" },
      },
    });
  }
  return pino(common, options.destination ?? destination({ fd: 2, sync: true }));
}

let rootLogger: Logger | undefined;

export function logger(): Logger {
  rootLogger ??= createLogger();
  return rootLogger;
}

export function setLogger(l: Logger): void {
  rootLogger = l;
}
