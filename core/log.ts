import { pino, destination, stdTimeFunctions, type Logger, type DestinationStream } from "pino";

export type { Logger } from "pino";

/**
 * Keys whose values are secrets wherever they appear in a log object, at any depth.
 * Redaction by key catches config objects; redaction by value (below) catches a secret that
 * ended up inside a message, a URL or an error text.
 */
const SECRET_KEY =
  /(secret|token|password|passwd|api[_-]?key|authorization|private[_-]?key|credential|cookie)/i;
const REDACTED = "[redacted]";

const secretValues = new Set<string>();

/** Registers a secret so that it is masked in every log line written from now on. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask ordinary words; real credentials are longer.
  if (value && value.length >= 6) secretValues.add(value);
}

export function registeredSecrets(): ReadonlySet<string> {
  return secretValues;
}

/** Masks every registered secret inside a string. */
export function redactText(text: string): string {
  let out = text;
  for (const s of secretValues) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** Deep copy of `value` with secret-named keys masked and registered secret values replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12) return "[too deep]";
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), stack: redactText(value.stack ?? "") };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] =
        SECRET_KEY.test(k) && v != null && v !== "" && typeof v !== "object"
          ? REDACTED
          : redact(v, depth + 1);
    }
    return out;
  }
  return value;
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
  const level = options.level ?? process.env.TRUEUP_LOG_LEVEL ?? "info";
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
