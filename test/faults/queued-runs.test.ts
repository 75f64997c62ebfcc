import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { loadModelDefinitions } from "../../models/project.js";
import { queueRun, waitForRun } from "../../orchestration/worker.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { faultEnv } from "../helpers/faults.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Queued runs go one at a time under the run lock, and a later run's job never holds a worker
 * slot the earlier run needs: one worker with one slot, two runs queued together, both finish,
 * and every job of the second starts after the first run ended. (A job that waited in its slot
 * for the earlier run would deadlock here: the earlier run's next job could never start.)
 */
describe("two queued runs on a one-slot worker", () => {
  let t: TestDatabase;
  let dir: string;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "trueup-queued-"));
    mkdirSync(path.join(dir, "models"));
    writeFileSync(
      path.join(dir, "models", "models.ts"),
      `export const models = [
  { name: "a", schema: "t_q", materialized: "table", sql: () => "SELECT pg_sleep(0.3) IS NULL AS slept, 1 AS n" },
  { name: "b", schema: "t_q", materialized: "table", sql: (ctx) => \`SELECT n + 1 AS n FROM \${ctx.ref("a")}\` },
  { name: "c", schema: "t_q", materialized: "view", sql: (ctx) => \`SELECT n + 1 AS n FROM \${ctx.ref("b")}\` },
];
`,
    );
    writeFileSync(
      path.join(dir, "trueup.config.ts"),
      `export const config = { models: { paths: ["models"], builtin: false } };\n`,
    );
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill("SIGKILL");
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs both, the second's jobs after the first ended", async () => {
    const { config } = await loadConfig({ cwd: dir, dotenv: false });
    const models = await loadModelDefinitions(config, dir);
    const first = await queueRun({ orchestrator: t.warehouse, config, models }, { command: "first" });
    const second = await queueRun({ orchestrator: t.warehouse, config, models }, { command: "second" });
    worker = spawn(
      process.execPath,
      [path.join(REPO_ROOT, "bin/trueup.js"), "worker", "--concurrency", "1"],
      {
        cwd: dir,
        env: faultEnv(t.url, { TRUEUP_LOG_LEVEL: "warn" }),
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    worker.stderr!.on("data", () => {});
    expect(await waitForRun(t.warehouse, first, { timeoutMs: 120_000 })).toBe("succeeded");
    expect(await waitForRun(t.warehouse, second, { timeoutMs: 120_000 })).toBe("succeeded");
    const [order] = await t.warehouse.query<{ first_end: Date; second_start: Date }>(
      `SELECT (SELECT max(finished_at) FROM trueup.node_runs WHERE run_id = $1) AS first_end,
              (SELECT min(started_at) FROM trueup.node_runs WHERE run_id = $2) AS second_start`,
      [first, second],
    );
    expect(order!.second_start.getTime()).toBeGreaterThanOrEqual(order!.first_end.getTime());
    const done = await t.warehouse.query<{ run_id: string; n: string }>(
      `SELECT run_id, count(*) AS n FROM trueup.node_runs WHERE status = 'succeeded' AND completions = 1 GROUP BY run_id ORDER BY run_id`,
    );
    expect(done.map((d) => Number(d.n))).toEqual([3, 3]);
    worker.kill("SIGTERM");
  }, 180_000);
});
