import { listRuns } from "../orchestration/history.js";
import type { CommandContext } from "./context.js";
import { runHistory } from "./worker.js";
import { formatTable } from "./table.js";

function seconds(a: Date | null, b: Date | null): string {
  return a && b ? ((b.getTime() - a.getTime()) / 1000).toFixed(1) + "s" : "";
}

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
        (r.error ? `\n  error: ${r.error}` : ""),
    );
    if (r.nodes.length) {
      ctx.print(
        formatTable(
          ["node", "status", "duration", "rows", "attempts", "error"],
          r.nodes.map((n) => [
            n.node,
            n.status,
            seconds(n.started_at, n.finished_at),
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
