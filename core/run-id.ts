import { randomUUID } from "node:crypto";

/**
 * A run id is sortable by time (prefix) and unique (suffix), so `ORDER BY run_id` lists runs in
 * start order and a log grep for one id finds every line of that run.
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomUUID().slice(0, 8)}`;
}
