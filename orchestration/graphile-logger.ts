import { Logger as GraphileLogger } from "graphile-worker";
import type { Logger } from "../core/log.js";

/** Routes graphile-worker's own log lines into trueup's structured log (one JSON object a line). */
export function graphileLogger(log: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const l =
      level === "error" ? "error" : level === "warning" ? "warn" : level === "info" ? "info" : "debug";
    log[l]({ component: "graphile-worker", ...scope, ...(meta ?? {}) }, message);
  });
}
