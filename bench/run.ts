/**
 * `npm run bench`: trueup against the physical limits and its peers, on this machine. Prints a
 * table and writes bench/results.json: per figure the median, min and max over the runs, plus
 * ratios computed pair by pair inside each run (the machine is shared and noisy; only ratios
 * compare across days). Never part of `npm test`.
 *
 *   BENCH_RUNS (3)  BENCH_LOAD_ROWS (1000000)  BENCH_MAX_SCALE (10)  BENCH_ADMIN_URL (system Postgres)
 *   BENCH_ONLY (load,recon,extract,sandbox,reverse,demo,e2e): measure only these; keep the other figures
 *   BENCH_E2E_SCALES (1,3): the worlds of the end-to-end runs (full, nothing changed, 1 % changed)
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { benchEndToEnd, E2E_PHASES, STAGES, type PhaseFigures } from "./e2e.js";
import { benchLoad } from "./load.js";
import { benchRecon } from "./recon.js";
import { record, writeResults } from "./figures.js";
import { startSandbox } from "../sandbox/emulators/server.js";
import { generateWorld } from "../sandbox/world/generate.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const ADMIN = process.env.BENCH_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LOAD_ROWS = Number(process.env.BENCH_LOAD_ROWS ?? 1_000_000);
const MAX_SCALE = Number(process.env.BENCH_MAX_SCALE ?? 10);
const RECON_PAIRS = Number(process.env.BENCH_RECON_PAIRS ?? 1_000_000);
const GROUPS = ["load", "recon", "extract", "sandbox", "reverse", "demo", "e2e"] as const;
const E2E_SCALES = (process.env.BENCH_E2E_SCALES ?? "1,3").split(",").map(Number);
/** BENCH_ONLY=load,recon runs those groups; the other figures of bench/results.json are kept as they were. */
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? GROUPS.join(","))
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean),
);
for (const g of ONLY)
  if (!(GROUPS as readonly string[]).includes(g))
    throw new Error(`BENCH_ONLY: unknown group ${g} (groups: ${GROUPS.join(", ")})`);

async function freshDb(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}

function child(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => resolve({ stdout, code }));
  });
}

async function extractOnce(worldDir: string, db: string) {
  const sb = await startSandbox({ worldDir, port: 0 });
  try {
    const url = await freshDb(db);
    const r = await child(["bench/extract-child.ts"], { ...process.env, ...sb.env, WAREHOUSE_URL: url });
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
      rows: number;
      seconds: number;
      peakRssMb: number;
      failed: string[];
    };
    if (out.failed.length) throw new Error(`extract failed: ${out.failed.join("; ")}`);
    return { ...out, requests: sb.requestLog.length, sb, url };
  } catch (err) {
    await sb.close();
    throw err;
  }
}

async function benchExtract(run: number, tmp: string): Promise<void> {
  const worlds: Record<number, string> = {};
  for (const scale of [1, MAX_SCALE]) {
    const dir = path.join(tmp, `world-${scale}`);
    if (run === 0 && !existsSync(path.join(dir, "world.json")))
      await generateWorld({ seed: 7, scale, out: dir });
    worlds[scale] = dir;
  }
  const rss: Record<number, number> = {};
  for (const scale of [1, MAX_SCALE]) {
    const full = await extractOnce(worlds[scale]!, `trueup_bench_extract_${scale}`);
    record(`extract scale ${scale}: rows/s`, "rows/s", full.rows / full.seconds);
    record(`extract scale ${scale}: peak RSS`, "MB", full.peakRssMb, "< 300 MB");
    rss[scale] = full.peakRssMb;
    if (scale === 1) {
      // Incremental: change 1 % of the records the APIs serve, extract again.
      const store = full.sb.store;
      let changed = 0;
      for (const [system, object, field] of [
        ["salesforce", "Account", "Name"],
        ["stripe", "customers", "email"],
        ["netsuite", "transaction", "memo"],
        ["zendesk", "organizations", "notes"],
        ["zendesk", "tickets", "subject"],
      ] as const) {
        const rows = store.list(system, object);
        for (const r of rows.slice(0, Math.ceil(rows.length * 0.01))) {
          store.patch(system, object, String(r.Id ?? r.id), { [field]: `bench edit ${changed++}` });
        }
      }
      store.advance(120_000);
      full.sb.requestLog.length = 0;
      const t = performance.now();
      const r = await child(["bench/extract-child.ts"], {
        ...process.env,
        ...full.sb.env,
        WAREHOUSE_URL: full.url,
      });
      const secs = (performance.now() - t) / 1000;
      const inc = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { seconds: number };
      record(
        "incremental after 1 % change: requests / full",
        "ratio",
        full.sb.requestLog.length / full.requests,
        "≤ 0.05",
      );
      record("incremental after 1 % change: wall time / full", "ratio", inc.seconds / full.seconds, "≤ 0.10");
      void secs;
    }
    await full.sb.close();
  }
  record(`extract peak RSS scale ${MAX_SCALE} / scale 1`, "ratio", rss[MAX_SCALE]! / rss[1]!, "flat (≈ 1)");
}

/** The scale-1 world the sandbox and reverse figures use (the extract group makes it too). */
async function worldOne(tmp: string): Promise<string> {
  const dir = path.join(tmp, "world-1");
  if (!existsSync(path.join(dir, "world.json"))) await generateWorld({ seed: 7, scale: 1, out: dir });
  return dir;
}

async function benchSandbox(tmp: string): Promise<void> {
  const dir = await worldOne(tmp);
  const sb = await startSandbox({ worldDir: dir, port: 0 });
  try {
    const url = `${sb.urls.stripe}/v1/customers?limit=100`;
    const headers = { authorization: `Bearer ${sb.env.STRIPE_API_KEY}` };
    let n = 0;
    const until = Date.now() + 5_000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (Date.now() < until) {
          const r = await fetch(url, { headers });
          await r.arrayBuffer();
          n++;
        }
      }),
    );
    record("sandbox list requests/s (Stripe, 100 per page, 32 clients)", "req/s", n / 5, "≥ 1000");
  } finally {
    await sb.close();
  }
}

async function benchReverse(tmp: string): Promise<void> {
  const r = await child(["bench/reverse-child.ts"], {
    ...process.env,
    BENCH_WORLD: await worldOne(tmp),
    BENCH_DB: await freshDb("trueup_bench_reverse"),
  });
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
    perSync: { sync: string; changed: number; calls: number }[];
    zeroCalls: number;
  };
  // Per destination: Salesforce takes 200 records a call, Zendesk's update_many 100.
  for (const s of out.perSync)
    record(
      `reverse ETL ${s.sync}: write calls per 200 changed records`,
      "calls",
      (s.calls / s.changed) * 200,
      s.sync.startsWith("salesforce") ? "≤ 1.1" : "≤ 2.2 (100 per call)",
    );
  record("reverse ETL: write calls on a zero-change run", "calls", out.zeroCalls, "0");
}

async function benchDemo(): Promise<void> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "trueup-bench-demo-"));
  chmodSync(cwd, 0o755);
  try {
    const { WAREHOUSE_URL: _unused, ...env } = process.env;
    const t = performance.now();
    // GNU time reports the peak RSS of the whole demo process (warehouse server excluded).
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "%M", process.execPath, path.join(ROOT, "bin", "trueup.js"), "--json", "demo", "--scale", "1"],
      {
        cwd,
        env,
        encoding: "utf8",
        maxBuffer: 1 << 26,
      },
    );
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`demo failed: ${r.stderr.slice(-800)}`);
    record("demo end to end, scale 1: wall time", "s", seconds, "≤ 60 s");
    record("demo end to end, scale 1: peak RSS", "MB", Number(r.stderr.trim().split("\n").at(-1)) / 1024);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Targets of a rerun, as a share of the full run's wall time. */
const RERUN_TARGETS: Record<string, number> = { unchanged: 0.05, one_percent: 0.1 };

async function benchE2e(tmp: string): Promise<void> {
  const rows: string[][] = [];
  for (const scale of E2E_SCALES) {
    const dir = path.join(tmp, `world-${scale}`);
    if (!existsSync(path.join(dir, "world.json"))) await generateWorld({ seed: 7, scale, out: dir });
    const phases: PhaseFigures[] = await benchEndToEnd(dir, await freshDb(`trueup_bench_e2e_${scale}`));
    const full = phases.find((p) => p.phase === "full")!;
    for (const p of phases) {
      const share = p.wall / full.wall;
      const target = RERUN_TARGETS[p.phase];
      record(`e2e scale ${scale} ${p.phase}: wall time`, "s", p.wall);
      if (target !== undefined)
        record(`e2e scale ${scale} ${p.phase} / full run`, "ratio", share, `≤ ${target * 100} %`);
      const stage = (k: string) => {
        const f = p.stages[k];
        return f ? `${f.span.toFixed(1)} (lock ${f.lockWait.toFixed(1)})` : "-";
      };
      rows.push([
        String(scale),
        p.phase + (p.status === "succeeded" ? "" : ` [${p.status}]`),
        p.wall.toFixed(1),
        ...STAGES.map(stage),
        p.phase === "full" ? "" : `${(share * 100).toFixed(1)} %`,
        target === undefined ? "" : `≤ ${target * 100} %${share <= target ? "" : "  NOT MET"}`,
      ]);
    }
  }
  const head = ["scale", "run", "wall s", ...STAGES.map((s) => `${s} s`), "of full", "target"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  process.stdout.write(
    `\nend to end (${E2E_PHASES.join(", ")}; stage = first node started to last finished, lock = summed node lock waits)\n` +
      [head, ...rows].map(line).join("\n") +
      "\n",
  );
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "trueup-bench-"));
chmodSync(tmp, 0o755);
try {
  for (let run = 0; run < RUNS; run++) {
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
    if (ONLY.has("load")) await loadFigures();
    if (ONLY.has("recon")) {
      const recon = await benchRecon(await freshDb("trueup_bench_recon"), RECON_PAIRS);
      record(`reconcile ${RECON_PAIRS.toLocaleString("en-US")} invoice pairs: rules`, "s", recon.rules_s);
      record("reconcile: plain full outer join", "s", recon.join_s);
      record("reconcile: rules / full outer join", "ratio", recon.rules_s / recon.join_s, "≤ 1.5");
    }
    if (ONLY.has("extract")) await benchExtract(run, tmp);
    if (ONLY.has("sandbox")) await benchSandbox(tmp);
    if (ONLY.has("reverse")) await benchReverse(tmp);
    if (run === 0 && ONLY.has("demo")) await benchDemo(); // one end-to-end run: it holds everything above
    if (run === 0 && ONLY.has("e2e")) await benchE2e(tmp);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

async function loadFigures(): Promise<void> {
  const load = await benchLoad(ADMIN, LOAD_ROWS);
  record(
    `load ${LOAD_ROWS.toLocaleString("en-US")}-row ERP CSV: trueup rows/s`,
    "rows/s",
    load.trueup_rows_per_s!,
  );
  // Process CPU (every thread) per row: steadier across runs than wall time on a shared machine.
  record("load: trueup CPU per row (all its threads)", "µs", load.trueup_cpu_us_per_row!);
  record("load: psql \\copy rows/s (the limit)", "rows/s", load.psql_copy_rows_per_s!);
  record("load: trueup / psql \\copy", "ratio", load.trueup_vs_copy!, "none: a text table written once");
  record(
    "load: psql \\copy twice (raw + keyed staging) / once",
    "ratio",
    load.two_copies_vs_copy!,
    "the contract's ceiling",
  );
  record("load: trueup / psql \\copy twice", "ratio", load.trueup_vs_two_copies!);
  record(
    "load: Postgres doing the contract's work itself (copy + raw + staging in SQL) / psql \\copy",
    "ratio",
    load.postgres_contract_vs_copy!,
  );
  record(
    "load: staging alone from a file already in its shape / psql \\copy",
    "ratio",
    load.staging_floor_vs_copy!,
    "upper bound for any loader keeping the contract",
  );
  record(
    "load: trueup / Postgres doing the contract's work itself",
    "ratio",
    load.trueup_vs_postgres_contract!,
    "≥ 0.8",
  );
  if (load.pgloader_rows_per_s)
    record(
      "load: pgloader / psql \\copy",
      "ratio",
      load.pgloader_rows_per_s / load.psql_copy_rows_per_s!,
      "≈ 0.1",
    );
}

writeResults({ runs: RUNS, only: ONLY, groups: GROUPS.length });
