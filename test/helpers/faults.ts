import { spawn } from "node:child_process";
import type { WarehouseSession } from "../../warehouse/interfaces.js";
import { REPO_ROOT } from "./cli.js";
import path from "node:path";

const BIN = path.join(REPO_ROOT, "bin/trueup.js");

/** Deterministic delays (a seeded LCG), so a failing kill reproduces. */
export function seededDelays(seed: number, n: number, min: number, max: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return min + (x % (max - min));
  });
}

export interface KilledRun {
  /** Exit code when the command ended by itself; null when it was killed. */
  code: number | null;
  killed: boolean;
  stderr: string;
  stdout: string;
}

/**
 * Runs the real `trueup` binary; with `killAfterMs`, SIGKILLs it then (if still running);
 * `onStderr` sees what it printed on stderr so far, as it prints; `onSpawn` gets a function that
 * SIGKILLs it (for a kill on an event rather than at a time).
 */
export function runTrueup(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterMs?: number,
  onStderr?: (text: string) => void,
  onSpawn?: (kill: () => void) => void,
): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    onSpawn?.(() => child.kill("SIGKILL"));
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    const guard = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ code, killed: signal === "SIGKILL", stderr, stdout });
    });
  });
}

/** Columns that say when and by which run a row was written: they differ between equal loads. */
export const LOAD_METADATA = ["_trueup_loaded_at", "_trueup_run_id", "_trueup_position"];

/**
 * A table's content as one checksum over every column but `exclude` (load metadata by default):
 * two tables with equal checksums hold the same rows, value for value.
 */
export async function tableChecksum(
  db: WarehouseSession,
  table: string,
  exclude: readonly string[] = LOAD_METADATA,
): Promise<string> {
  const [r] = await db.query<{ rows: string; md5: string | null }>(
    `SELECT count(*) AS rows, md5(string_agg(r, E'\\n' ORDER BY r)) AS md5
       FROM (SELECT (to_jsonb(t) - $1::text[])::text AS r FROM ${table} t) s`,
    [exclude],
  );
  return `${r!.rows} rows ${r!.md5 ?? "-"}`;
}

/** Checksums of every table and view of the given schemas (name → checksum), skipping names matching `skip`. */
export async function schemaChecksums(
  db: WarehouseSession,
  schemas: readonly string[],
  options: { exclude?: readonly string[]; skip?: RegExp } = {},
): Promise<Record<string, string>> {
  // Views too: a reader must find every relation, and see in it what it saw before.
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY 1`,
    [schemas],
  );
  const out: Record<string, string> = {};
  for (const t of tables) {
    if (options.skip?.test(t.name)) continue;
    out[t.name] = await tableChecksum(db, t.name, options.exclude);
  }
  return out;
}

/** Runs left `running` (none may be once a later command has taken the run lock). */
export async function runningRuns(db: WarehouseSession): Promise<string[]> {
  const rows = await db.query<{ run_id: string }>(
    `SELECT run_id FROM trueup.runs WHERE status = 'running' AND plan IS NULL
     UNION ALL SELECT run_id || ':' || node FROM trueup.node_runs n
      WHERE status = 'running' AND EXISTS (SELECT 1 FROM trueup.runs r WHERE r.run_id = n.run_id AND r.plan IS NULL)`,
  );
  return rows.map((r) => r.run_id);
}

/** The environment for a CLI run against `db` (and a sandbox's env, if given), quiet and on its own history. */
export function faultEnv(url: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, WAREHOUSE_URL: url, TRUEUP_LOG_LEVEL: "error" };
  delete env.ORCHESTRATOR_DATABASE_URL;
  return env;
}

/** Where the kills of `killRepeatedly` land. */
export interface KillPlan {
  /** Seeds the points (a failure reproduces with the same seed and run times). */
  seed: number;
  /** Earliest kill, ms after the spawn (start-up: loading the CLI and the config). */
  from: number;
  /** How long an uninterrupted run took, ms after the spawn: the first estimate of the window. */
  duration: number;
  /** Runs allowed before giving up (default three per kill). */
  attempts?: number;
}

/**
 * Runs `args` with a SIGKILL at seeded random points of the run until `kills` of them landed,
 * calling `check` after every run (killed or finished); a run that finished must have exited 0.
 * Each point is a seeded fraction of the window from `from` to the run's duration. The window
 * follows the runs: a run that finishes before its kill took less than the estimate (the first
 * one is often timed on a busier machine), so later points fall inside the time it took.
 */
export async function killRepeatedly(
  args: string[],
  env: NodeJS.ProcessEnv,
  plan: KillPlan,
  kills: number,
  check: (at: string, run: KilledRun) => Promise<void>,
): Promise<{ runs: number }> {
  const attempts = plan.attempts ?? 3 * kills;
  const points = seededDelays(plan.seed, attempts, 0, 1_000_000).map((x) => x / 1_000_000);
  let duration = plan.duration;
  let killed = 0;
  let runs = 0;
  while (killed < kills) {
    if (runs >= attempts) throw new Error(`${attempts} runs landed only ${killed} of ${kills} kills`);
    const ms = Math.round(plan.from + points[runs++]! * Math.max(300, duration - plan.from));
    const started = Date.now();
    const r = await runTrueup(args, env, ms);
    if (r.killed) killed++;
    else if (r.code !== 0) throw new Error(`${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-2000)}`);
    else duration = Math.min(duration, Date.now() - started);
    await check(`after run ${runs} (${r.killed ? `killed at ${ms} ms` : "finished"})`, r);
  }
  return { runs };
}

/** Columns that record when or by which run a row was written, not what it says. */
export const WHEN_COLUMNS = [
  ...LOAD_METADATA,
  "first_seen_at",
  "last_seen_at",
  "resolved_at",
  "checked_at",
  "last_run_id",
  "run_id",
  "at",
  "id",
];

/** Runs each command to completion (exit 0) and returns how long the last one took. */
export async function runAll(commands: string[][], env: NodeJS.ProcessEnv): Promise<number> {
  let ms = 0;
  for (const args of commands) {
    const started = Date.now();
    const r = await runTrueup(args, env);
    if (r.code !== 0) throw new Error(`${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-2000)}`);
    ms = Date.now() - started;
  }
  return ms;
}
