import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { loadModelDefinitions } from "../../models/project.js";
import { queueRun, waitForRun } from "../../orchestration/worker.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
let dir: string;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "trueup-worker-"));
  mkdirSync(path.join(dir, "models"));
  // Slow independent models, a fan-in model reading several of them, and a view after it.
  const slow = Array.from({ length: 8 }, (_, i) => `s${i}`);
  writeFileSync(
    path.join(dir, "models", "models.ts"),
    `export const models = [
${slow.map((n) => `  { name: "${n}", schema: "t_w", materialized: "table", description: "slow", sql: () => "SELECT pg_sleep(0.8) IS NULL AS slept, '${n}' AS name" },`).join("\n")}
  { name: "fan_in", schema: "t_w", materialized: "table", description: "reads all",
    sql: (ctx) => [${slow.map((n) => `"${n}"`).join(", ")}].map((n) => \`SELECT name FROM \${ctx.ref(n)}\`).join(" UNION ALL ") },
  { name: "after", schema: "t_w", materialized: "view", description: "last", sql: (ctx) => \`SELECT count(*) AS n FROM \${ctx.ref("fan_in")}\` },
];
`,
  );
  writeFileSync(
    path.join(dir, "trueup.config.ts"),
    `export const config = { models: { paths: ["models"], builtin: false } };\n`,
  );
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, [path.resolve("bin/trueup.js"), "worker", "--concurrency", "1"], {
    cwd: dir,
    env: {
      ...process.env,
      WAREHOUSE_URL: t.url,
      TRUEUP_WORKER_HEARTBEAT_MS: "300",
      TRUEUP_WORKER_STALE_MS: "1500",
      TRUEUP_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", () => {});
  workers.push(child);
  return child;
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("trueup worker (graphile-worker)", () => {
  it("two workers share a run; one SIGKILLed mid-run, the other completes it; no node completes twice", async () => {
    const { config } = await loadConfig({ cwd: dir, dotenv: false });
    const models = await loadModelDefinitions(config, dir);
    const a = startWorkerProcess();
    const b = startWorkerProcess();
    const runId = await queueRun({ orchestrator: t.warehouse, config, models }, { command: "test" });

    // Wait until worker A has finished one node and is busy with another, then kill it.
    const aWorker = await until(async () => {
      const rows = await t.warehouse.query<{ worker: string; status: string }>(
        `SELECT worker, status FROM trueup.node_runs WHERE run_id = $1 AND worker LIKE $2`,
        [runId, `%:${a.pid}:%`],
      );
      const done = rows.some((r) => r.status === "succeeded");
      const busy = rows.find((r) => r.status === "running");
      return done && busy ? busy.worker : undefined;
    });
    a.kill("SIGKILL");

    expect(await waitForRun(t.warehouse, runId, { timeoutMs: 90_000 })).toBe("succeeded");
    const nodes = await t.warehouse.query<{
      node: string;
      status: string;
      completions: number;
      attempts: number;
      worker: string;
    }>(
      `SELECT node, status, completions, attempts, worker FROM trueup.node_runs WHERE run_id = $1 ORDER BY node`,
      [runId],
    );
    expect(nodes).toHaveLength(10);
    for (const n of nodes) expect([n.node, n.status, n.completions]).toEqual([n.node, "succeeded", 1]);
    // Work was shared: both processes completed nodes.
    const byProcess = new Set(nodes.map((n) => n.worker.split(":")[1]));
    expect(byProcess).toEqual(new Set([String(a.pid), String(b.pid)]));
    // The node A was running when it died was taken over (a second attempt), by B.
    expect(aWorker).toContain(`:${a.pid}:`);
    expect(nodes.some((n) => n.attempts >= 2 && n.worker.includes(`:${b.pid}:`))).toBe(true);
    expect(await t.warehouse.query(`SELECT n FROM t_w.after`)).toEqual([{ n: "8" }]);
    b.kill("SIGTERM");
  });
});
