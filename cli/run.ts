import { loadProject, projectRoot } from "../orchestration/project.js";
import { pipelineDag } from "../orchestration/pipeline.js";
import "../orchestration/stages.js";
import { runOutcome, type RuleNotRunRow } from "../orchestration/report.js";
import { runDag } from "../orchestration/runner.js";
import { select } from "../orchestration/select.js";
import type { CommandContext } from "./context.js";
import { lockRun } from "./run-lock.js";
import { formatTable } from "./table.js";
import { runHistory } from "./worker.js";

export async function runPipelineCommand(
  ctx: CommandContext,
  opts: { select?: string; asOf?: string; fullRefresh?: boolean },
): Promise<number> {
  const config = ctx.loaded.config;
  const asOf = opts.asOf ?? new Date().toISOString();
  const { models } = await loadProject(config, projectRoot(ctx.loaded));
  const dag = pipelineDag(config, models, { asOf });
  const selected = select(dag, opts.select);
  const { warehouse } = await ctx.warehouse();
  const history = await runHistory(ctx);
  await lockRun(ctx, "run");
  const tty = process.stderr.isTTY && !ctx.json;
  const result = await runDag({
    dag,
    selected,
    selector: opts.select,
    command: "run",
    history,
    context: {
      warehouse,
      config,
      credentials: ctx.credentials(),
      models,
      runId: ctx.runId,
      log: ctx.log,
      asOf,
      fullRefresh: opts.fullRefresh === true,
    },
    onNode: (o) => {
      if (tty && o.status !== "running") process.stderr.write(`${o.status.padEnd(9)} ${o.node}\n`);
    },
  });
  const outcome = await runOutcome(history, ctx.runId);
  if (ctx.json)
    ctx.printJson({
      run_id: ctx.runId,
      ...result,
      first_failure: outcome.firstFailure ?? null,
      rules_not_run: outcome.rulesNotRun,
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
    printOutcome(ctx, outcome);
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
