import { redactText } from "./redact.js";

/**
 * Typed errors. Every message says what went wrong *and* what to do about it; the CLI maps
 * `exitCode` straight onto the process exit code (2 = usage/config, 1 = failed run).
 */
export class TrueupError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A usage or configuration mistake the user must fix; exits 2. */
export class ConfigError extends TrueupError {
  override readonly exitCode = 2;
}

/** A CLI usage mistake (unknown flag, bad value); exits 2. */
export class UsageError extends TrueupError {
  override readonly exitCode = 2;
}

/** A capability that a later issue delivers; exits 2 so scripts can tell it from a failed run. */
export class NotImplementedError extends TrueupError {
  override readonly exitCode = 2;
  constructor(what: string) {
    super(`${what}: not implemented yet`);
  }
}

/** The warehouse cannot be reached or started. */
export class WarehouseError extends TrueupError {}

/**
 * An error's text for a result, a log line or a stored row: redacted, since whatever threw may
 * have put a credential in it (a vendor's echo, a driver's connection string).
 */
export function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err));
}
