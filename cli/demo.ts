import { runDemo } from "../sandbox/demo.js";
import { effectiveLogLevel } from "../core/log.js";
import type { CommandContext } from "./context.js";
import { printOutcome } from "./run.js";
import { formatTable } from "./table.js";

export interface DemoOptions {
  seed: number;
  scale: number;
  crm?: "salesforce" | "hubspot";
  serve?: boolean;
}

/**
 * `trueup demo`: the embedded Postgres (a fresh `trueup_demo` database in `.trueup/pg`), a
 * sandbox world served through the four vendor APIs, the whole DAG run through graphile-worker,
 * then a summary and an HTML report. Nothing outside node_modules is needed.
 */
export async function demoCommand(ctx: CommandContext, opts: DemoOptions): Promise<number> {
  // The summary is the output; log lines only for warnings unless asked for.
  ctx.log.level = effectiveLogLevel("warn");
  const r = await runDemo(ctx, {
    seed: opts.seed,
    scale: opts.scale,
    crm: opts.crm,
    sandboxPort: opts.serve ? 4010 : undefined,
    onProgress: (line) => {
      if (!ctx.json) process.stderr.write(`${line}\n`);
    },
  });

  if (ctx.json) {
    ctx.printJson({
      run_id: r.runId,
      status: r.status,
      seconds: r.seconds,
      world: r.world,
      stages: r.stages,
      categories: r.categories.map((c) => ({
        category: c.category,
        open: c.open,
        amount_reporting: c.amountReporting,
      })),
      syncs: r.syncs.map(({ writeCalls, ...s }) => ({ ...s, write_calls: writeCalls })),
      report: r.report,
      reporting_currency: r.reportingCurrency,
      first_failure: r.firstFailure ?? null,
      rules_not_run: r.rulesNotRun,
    });
  } else {
    ctx.print(`\nrun ${r.runId}: ${r.status} in ${r.seconds.toFixed(1)} s`);
    printOutcome(ctx, r);
    ctx.print("");
    ctx.print(
      formatTable(
        ["stage", "nodes", "failed", "rows", "seconds"],
        r.stages.map((s) => [s.kind, s.nodes, s.failed, s.rows, s.seconds]),
      ),
    );
    ctx.print("");
    ctx.print(
      formatTable(
        ["discrepancy", "open", `amount (${r.reportingCurrency})`],
        r.categories.map((c) => [c.category, c.open, c.amountReporting]),
      ),
    );
    ctx.print("");
    ctx.print(
      formatTable(
        ["sync", "status", "planned", "written", "verified", "write calls"],
        r.syncs.map((s) => [s.sync, s.status, s.planned, s.written, s.verified, s.writeCalls]),
      ),
    );
    for (const s of r.syncs) if (s.message) ctx.print(`  ${s.sync}: ${s.message}`);
    ctx.print(`\nreport: ${r.report}`);
  }
  if (opts.serve) {
    // The connection string is for psql or a BI tool, password included.
    ctx.printRevealing(
      `\nwarehouse: ${r.warehouseUrl}\n(psql or a BI tool can read it; Ctrl-C stops everything)`,
    );
    await new Promise(() => undefined);
  }
  return r.status === "succeeded" ? 0 : 1;
}
