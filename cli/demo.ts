import path from "node:path";
import pg from "pg";
import { readCredentials } from "../config/credentials.js";
import { findConfigFile, loadConfig } from "../config/load.js";
import { effectiveLogLevel } from "../core/log.js";
import { onShutdown } from "../core/shutdown.js";
import { loadModelDefinitions } from "../models/project.js";
import { runOutcome, writeReport } from "../orchestration/report.js";
import { queueRun, startWorker, waitForRun } from "../orchestration/worker.js";
import { ensureWorld, startSandbox } from "../sandbox/index.js";
import { readWorldManifest } from "../sandbox/world/read.js";
import { migrate } from "../warehouse/migrations/migrate.js";
import { startEmbedded } from "../warehouse/postgres/embedded.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import type { CommandContext } from "./context.js";
import { printOutcome } from "./run.js";
import { formatTable } from "./table.js";

export interface DemoOptions {
  seed: number;
  scale: number;
  serve?: boolean;
}

const PACKAGE_ROOT = path.resolve(import.meta.dirname, "..");
const DEMO_DB = "trueup_demo";

/**
 * `trueup demo`: the embedded Postgres (a fresh `trueup_demo` database in `.trueup/pg`), a
 * sandbox world served through the four vendor APIs, the whole DAG run through graphile-worker,
 * then a summary and an HTML report. Nothing outside node_modules is needed.
 */
export async function demoCommand(ctx: CommandContext, opts: DemoOptions): Promise<number> {
  const started = Date.now();
  const say = (s: string) => {
    if (!ctx.json) process.stderr.write(`${s}\n`);
  };
  const cwd = process.cwd();
  // The user's config (--config, or found here) when there is one, else the example shipped with
  // the package, its relative paths taken from here (the embedded Postgres goes in ./.trueup/pg).
  const example = findConfigFile(PACKAGE_ROOT);
  const { config } = ctx.loaded.file
    ? ctx.loaded
    : await loadConfig({ configPath: example, baseDir: cwd, dotenv: false });
  ctx.log.level = effectiveLogLevel("warn");

  say(`world: seed ${opts.seed}, scale ${opts.scale}`);
  const worldDir = await ensureWorld(cwd, opts.seed, opts.scale);
  const world = await readWorldManifest(worldDir);

  say("warehouse: embedded Postgres in .trueup/pg");
  const embedded = await startEmbedded({ dir: config.warehouse.embedded.dir });
  onShutdown(() => embedded.stop());
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DEMO_DB}`);
  await admin.end();
  const url = new URL(embedded.url);
  url.pathname = `/${DEMO_DB}`;
  const warehouse = await PostgresWarehouse.connect({ url: url.toString(), maxConnections: 10 });
  onShutdown(() => warehouse.close());
  await migrate(warehouse);

  const sandbox = await startSandbox({ worldDir, port: opts.serve ? 4010 : 0 });
  onShutdown(() => sandbox.close());
  say(
    `sandbox: Salesforce ${sandbox.urls.salesforce}, Stripe ${sandbox.urls.stripe}, NetSuite ${sandbox.urls.netsuite}, Zendesk ${sandbox.urls.zendesk}`,
  );
  // The sandbox's variables (API bases, credentials, ERP_EXPORT_DIR, FX_RATES_FILE) are this
  // process's environment for the run, exactly as `trueup sandbox --env-file` + dotenv would make it.
  Object.assign(process.env, sandbox.env);
  const credentials = readCredentials(process.env);

  const models = await loadModelDefinitions(config, cwd);
  const worker = await startWorker({
    orchestrator: warehouse,
    warehouse,
    config,
    credentials,
    models,
    log: ctx.log,
    concurrency: config.orchestrator.concurrency,
    schedules: false,
  });
  onShutdown(() => worker.stop());
  say("running the DAG through graphile-worker…");
  const runId = await queueRun(
    { orchestrator: warehouse, config, models },
    { asOf: world.as_of, command: "demo", runId: ctx.runId },
  );
  const status = await waitForRun(warehouse, runId, { timeoutMs: 30 * 60_000 });
  await worker.stop();

  const stages = await warehouse.query<{
    kind: string;
    nodes: string;
    failed: string;
    rows: string;
    seconds: string;
  }>(
    `SELECT kind, count(*) AS nodes, count(*) FILTER (WHERE status <> 'succeeded') AS failed,
            coalesce(sum(rows), 0) AS rows, round(sum(extract(epoch FROM finished_at - started_at))::numeric, 1) AS seconds
       FROM trueup.node_runs WHERE run_id = $1 GROUP BY kind ORDER BY min(started_at)`,
    [runId],
  );
  const categories = await warehouse
    .query<{ category: string; open: string; amount_reporting: string }>(
      `SELECT category, count(*) AS open, round(coalesce(sum(amount_reporting), 0), 2) AS amount_reporting
         FROM recon.discrepancy WHERE status = 'open' GROUP BY category ORDER BY category`,
    )
    .catch(() => []);
  const syncs = await warehouse
    .query<{
      sync: string;
      status: string;
      planned: number;
      written: number;
      verified: number;
      write_calls: number;
      message: string | null;
    }>(
      `SELECT sync, status, planned, written, verified, write_calls, message FROM reverse.sync_runs WHERE run_id = $1 ORDER BY sync`,
      [runId],
    )
    .catch(() => []);
  const report = await writeReport(warehouse, config, runId, path.join(cwd, ".trueup", "reports"));
  const outcome = await runOutcome(warehouse, runId);
  const seconds = (Date.now() - started) / 1000;

  if (ctx.json) {
    ctx.printJson({
      run_id: runId,
      status,
      seconds,
      world: worldDir,
      stages,
      categories,
      syncs,
      report,
      reporting_currency: config.fx.reportingCurrency,
      first_failure: outcome.firstFailure ?? null,
      rules_not_run: outcome.rulesNotRun,
    });
  } else {
    ctx.print(`\nrun ${runId}: ${status} in ${seconds.toFixed(1)} s`);
    printOutcome(ctx, outcome);
    ctx.print("");
    ctx.print(
      formatTable(
        ["stage", "nodes", "failed", "rows", "seconds"],
        stages.map((s) => [s.kind, Number(s.nodes), Number(s.failed), Number(s.rows), Number(s.seconds)]),
      ),
    );
    ctx.print("");
    ctx.print(
      formatTable(
        ["discrepancy", "open", `amount (${config.fx.reportingCurrency})`],
        categories.map((c) => [c.category, Number(c.open), Number(c.amount_reporting)]),
      ),
    );
    ctx.print("");
    ctx.print(
      formatTable(
        ["sync", "status", "planned", "written", "verified", "write calls"],
        syncs.map((s) => [s.sync, s.status, s.planned, s.written, s.verified, s.write_calls]),
      ),
    );
    for (const s of syncs) if (s.message) ctx.print(`  ${s.sync}: ${s.message}`);
    ctx.print(`\nreport: ${report}`);
  }
  if (opts.serve) {
    // The connection string is for psql or a BI tool, password included.
    ctx.printRevealing(
      `\nwarehouse: ${url.toString()}\n(psql or a BI tool can read it; Ctrl-C stops everything)`,
    );
    await new Promise(() => undefined);
  }
  return status === "succeeded" ? 0 : 1;
}
