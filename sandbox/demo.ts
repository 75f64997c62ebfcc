import path from "node:path";
import pg from "pg";
import { readCredentials } from "../config/credentials.js";
import type { Config } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { findConfigFile, loadConfig } from "../config/load.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { runOutcome, writeReport, type RuleNotRunRow } from "../orchestration/report.js";
import { queueRun, startWorker, waitForRun } from "../orchestration/worker.js";
import { ensureWorld, startSandbox, type RunningSandbox } from "./index.js";
import { readWorldManifest } from "./world/read.js";
import { migrate } from "../warehouse/migrations/migrate.js";
import { startEmbedded } from "../warehouse/postgres/embedded.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import { withSession, type Session, type TrueupOptions } from "../api/session.js";

export interface RunDemoOptions {
  /** World seed; default 7. */
  seed?: number;
  /** World scale (1 ≈ 1,000 customers); default 1. */
  scale?: number;
  /**
   * The world's CRM; default salesforce. With hubspot the config's `sources.hubspot` is switched
   * on and `sources.salesforce` off for the run.
   */
  crm?: "salesforce" | "hubspot";
  /** First port of the sandbox's four APIs; default any free ports. */
  sandboxPort?: number;
  /** Progress lines ("world: …", "warehouse: …"), for a terminal. */
  onProgress?: (line: string) => void;
}

export type DemoOptions = TrueupOptions & RunDemoOptions;

export interface DemoResult {
  runId: string;
  status: string;
  seconds: number;
  /** The world directory served (generated once under .trueup/worlds and reused). */
  world: string;
  stages: { kind: string; nodes: number; failed: number; rows: number; seconds: number }[];
  /** Open discrepancies by category, with the amount at stake in the reporting currency. */
  categories: { category: string; open: number; amountReporting: number }[];
  syncs: {
    sync: string;
    status: string;
    planned: number;
    written: number;
    verified: number;
    writeCalls: number;
    message: string | null;
  }[];
  /** The HTML report's path. */
  report: string;
  reportingCurrency: string;
  firstFailure?: { node: string; error: string };
  rulesNotRun: RuleNotRunRow[];
  /** The demo database's connection string, password included (for psql or a BI tool). */
  warehouseUrl: string;
  sandbox: RunningSandbox;
}

const PACKAGE_ROOT = path.resolve(import.meta.dirname, "..");
const DEMO_DB = "trueup_demo";

/**
 * The config with `crm` as the CRM: its source switched on and the other CRM's off, so the run
 * reads the world's CRM through the conformed layer. The config must declare the source (the
 * example config declares `sources.hubspot`, off by default).
 */
function withCrm(config: Config, crm: "hubspot"): Config {
  const sources = config.sources as Record<string, { enabled?: boolean } | undefined>;
  const source = sources[crm];
  if (!source)
    throw new ConfigError(
      `trueup demo --crm ${crm}: the config declares no sources.${crm}; copy the example config's (trueup init writes it)`,
    );
  return {
    ...config,
    sources: {
      ...config.sources,
      [crm]: { ...source, enabled: true },
      ...(config.sources.salesforce ? { salesforce: { ...config.sources.salesforce, enabled: false } } : {}),
    },
  } as Config;
}

/**
 * `trueup demo` as a function: the embedded Postgres (a fresh `trueup_demo` database), a sandbox
 * world served through the vendor APIs, the whole DAG through graphile-worker, a report. Everything
 * it started is stopped when it returns.
 */
export function demo(options: DemoOptions = {}): Promise<DemoResult> {
  return withSession(options, (session) => runDemo(session, options));
}

/** The demo on a session; what it starts stays up until the session ends (`trueup demo --serve` waits). */
export async function runDemo(session: Session, opts: RunDemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const say = opts.onProgress ?? (() => undefined);
  const seed = opts.seed ?? 7;
  const scale = opts.scale ?? 1;
  const cwd = process.cwd();
  // The user's config when there is one, else the example shipped with the package, its relative
  // paths taken from here (the embedded Postgres goes in ./.trueup/pg).
  const crm = opts.crm ?? "salesforce";
  const loaded = session.loaded.file
    ? session.loaded.config
    : (await loadConfig({ configPath: findConfigFile(PACKAGE_ROOT), baseDir: cwd, dotenv: false })).config;
  const config = crm === "hubspot" ? withCrm(loaded, "hubspot") : loaded;

  say(`world: seed ${seed}, scale ${scale}${crm === "salesforce" ? "" : `, CRM ${crm}`}`);
  const worldDir = await ensureWorld(cwd, seed, scale, crm);
  const world = await readWorldManifest(worldDir);

  say(`warehouse: embedded Postgres in ${path.relative(cwd, config.warehouse.embedded.dir) || "."}`);
  const embedded = await startEmbedded({ dir: config.warehouse.embedded.dir });
  session.defer(() => embedded.stop());
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DEMO_DB}`);
  await admin.end();
  const url = new URL(embedded.url);
  url.pathname = `/${DEMO_DB}`;
  const warehouse = await PostgresWarehouse.connect({ url: url.toString(), maxConnections: 10 });
  session.defer(() => warehouse.close());
  await migrate(warehouse);

  const sandbox = await startSandbox({ worldDir, port: opts.sandboxPort ?? 0 });
  session.defer(() => sandbox.close());
  say(
    `sandbox: ${crm === "hubspot" ? `HubSpot ${sandbox.urls.hubspot}` : `Salesforce ${sandbox.urls.salesforce}`}, Stripe ${sandbox.urls.stripe}, NetSuite ${sandbox.urls.netsuite}, Zendesk ${sandbox.urls.zendesk}`,
  );
  // The sandbox's variables (API bases, credentials, ERP_EXPORT_DIR, FX_RATES_FILE) are this
  // process's environment for the run, exactly as `trueup sandbox --env-file` + dotenv would make it.
  Object.assign(process.env, sandbox.env);
  const credentials = readCredentials(process.env);

  const { models } = await loadProject(config, session.loaded.file ? projectRoot(session.loaded) : cwd);
  const worker = await startWorker({
    orchestrator: warehouse,
    warehouse,
    config,
    credentials,
    models,
    log: session.log,
    concurrency: config.orchestrator.concurrency,
    schedules: false,
  });
  session.defer(() => worker.stop());
  say("running the DAG through graphile-worker…");
  const runId = await queueRun(
    { orchestrator: warehouse, config, models },
    { asOf: world.as_of, command: "demo", runId: session.runId },
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
  return {
    runId,
    status,
    seconds: (Date.now() - started) / 1000,
    world: worldDir,
    stages: stages.map((s) => ({
      kind: s.kind,
      nodes: Number(s.nodes),
      failed: Number(s.failed),
      rows: Number(s.rows),
      seconds: Number(s.seconds),
    })),
    categories: categories.map((c) => ({
      category: c.category,
      open: Number(c.open),
      amountReporting: Number(c.amount_reporting),
    })),
    syncs: syncs.map(({ write_calls, ...s }) => ({ ...s, writeCalls: write_calls })),
    report,
    reportingCurrency: config.fx.reportingCurrency,
    firstFailure: outcome.firstFailure,
    rulesNotRun: outcome.rulesNotRun,
    warehouseUrl: url.toString(),
    sandbox,
  };
}
