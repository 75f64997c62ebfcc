import { runPipeline } from "../api/run.js";
import type { RuleNotRunRow } from "../orchestration/report.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

export async function runPipelineCommand(
  ctx: CommandContext,
  opts: { select?: string; asOf?: string; fullRefresh?: boolean },
): Promise<number> {
  const tty = process.stderr.isTTY && !ctx.json;
  const result = await runPipeline(ctx, {
    ...opts,
    onNode: (o) => {
      if (tty && o.status !== "running") process.stderr.write(`${o.status.padEnd(9)} ${o.node}\n`);
    },
  });
  if (ctx.json)
    ctx.printJson({
      run_id: result.runId,
      status: result.status,
      nodes: result.nodes,
      first_failure: result.firstFailure ?? null,
      rules_not_run: result.rulesNotRun,
    });
  else {
    ctx.print(
      formatTable(
        ["node", "kind", "status", "rows", "seconds", "error"],
        result.nodes.map((n) => [
          n.node,
          n.kind,
          n.status,
          n.rows ?? null,
          Number(n.seconds.toFixed(2)),
          n.error ?? "",
        ]),
      ),
    );
    printOutcome(ctx, result);
    ctx.print(`run ${ctx.runId}: ${result.status}`);
  }
  return result.status === "succeeded" ? 0 : 1;
}

/**
 * The lines under a run's table: the rules that did not run and why, and the first failure in
 * full (the table's error column is one cell among many; this is the one to act on).
 */
export function printOutcome(
  ctx: Pick<CommandContext, "print">,
  outcome: { firstFailure?: { node: string; error: string }; rulesNotRun: RuleNotRunRow[] },
): void {
  if (outcome.rulesNotRun.length) {
    ctx.print("rules not run:");
    for (const r of outcome.rulesNotRun) ctx.print(`  ${r.category} (${r.family}): ${r.reason}`);
  }
  if (outcome.firstFailure)
    ctx.print(`first failure: ${outcome.firstFailure.node}: ${outcome.firstFailure.error}`);
}
