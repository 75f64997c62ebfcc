import { ConfigError } from "./errors.js";

/**
 * The instant a command reconciles and builds as of when `--as-of` is not given: TRUEUP_AS_OF
 * (which `trueup sandbox --env-file` writes as the world's as-of, so a run against the sandbox
 * and the demo of the same world agree), else now.
 */
export function defaultAsOf(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.TRUEUP_AS_OF?.trim();
  if (!value) return new Date().toISOString();
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new ConfigError(
      `TRUEUP_AS_OF must be an ISO 8601 date-time such as 2026-11-22T00:00:00Z, got "${value}"; unset it to use the current time`,
    );
  return new Date(ms).toISOString();
}
