import { listRuns } from "../orchestration/history.js";
import type { CommandContext } from "./context.js";
import { runHistory } from "./worker.js";
import { formatTable } from "./table.js";

function seconds(a: Date | null, b: Date | null): string {
  return a && b ? ((b.getTime() - a.getTime()) / 1000).toFixed(1) + "s" : "";
}

const secs = (v: number | null): string => (v == null ? "" : v.toFixed(1) + "s");

export async function printRuns(ctx: CommandContext, limit: number): Promise<number> {
  const runs = await listRuns(await runHistory(ctx), limit);
  if (ctx.json) {
    ctx.printJson(runs);
    return 0;
  }
  if (runs.length === 0) {
    ctx.print("no runs yet: `trueup run` or `trueup demo` starts one");
    return 0;
  }
  for (const r of runs) {
    ctx.print(
      `${r.run_id}  ${r.command}  ${r.status}  started ${r.started_at.toISOString()}  ${seconds(r.started_at, r.finished_at)}` +
        ((r.wait_run_lock_seconds ?? 0) >= 0.1
          ? `  (waited ${secs(r.wait_run_lock_seconds)} for the run lock)`
          : "") +
        (r.error ? `\n  error: ${r.error}` : ""),
    );
    if (r.nodes.length) {
      ctx.print(
        formatTable(
          // Waiting (for a slot before it started, for locks while it ran) is apart from working.
          ["node", "status", "duration", "working", "wait lock", "wait slot", "rows", "attempts", "error"],
          r.nodes.map((n) => [
            n.node,
            n.skipped
              ? `${n.status}, skipped: ${n.skipped}`
              : n.verified
                ? `${n.status}, verified: ${n.verified === "differs" ? "DIFFERED from a full rebuild (defect)" : "equal to a full rebuild"}`
                : n.status,
            seconds(n.started_at, n.finished_at),
            secs(n.work_seconds),
            secs(n.wait_lock_seconds),
            secs(n.wait_slot_seconds),
            n.rows,
            n.attempts,
            n.error ?? "",
          ]),
        )
          .split("\n")
          .map((l) => "  " + l)
          .join("\n"),
      );
    }
  }
  return 0;
}
