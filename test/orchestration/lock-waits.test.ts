import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { projectWith, removeProjects } from "../helpers/project-files.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

// Each model sleeps in its SELECT (an uncorrelated subquery runs once), so the builds overlap
// in time; r1 and r2 read t_lw.t by name (their ref is to base), so they run while t rebuilds it.
// A reader blocked for t's whole build would wait about SLEEP; one blocked only for its rename
// waits a fraction of a second, which a loaded CI machine can stretch past one second.
const SLEEP = 3;
const MAX_LOCK_WAIT = SLEEP / 2;
const slow = (from: string, where = "") =>
  `\`SELECT x.id FROM ${from} x CROSS JOIN (SELECT pg_sleep(${SLEEP})) s${where}\``;
const afterBase = " WHERE EXISTS (SELECT 1 FROM ${ctx.ref('base')})";
const MODELS = `export const models = [
  { name: "base", schema: "t_lw", materialized: "table", description: "b",
    sql: () => "SELECT generate_series(1, 2000) AS id" },
  { name: "t", schema: "t_lw", materialized: "table", description: "rebuilt while read",
    sql: (ctx) => ${slow("${ctx.ref('base')}")} },
  { name: "r1", schema: "t_lw", materialized: "table", description: "reads t",
    sql: (ctx) => ${slow("t_lw.t", afterBase)} },
  { name: "r2", schema: "t_lw", materialized: "table", description: "reads t",
    sql: (ctx) => ${slow("t_lw.t", afterBase)} },
  { name: "held", schema: "t_lw", materialized: "table", description: "reads a table the test locks",
    sql: () => "SELECT id FROM t_lw_test.locked" },
];
`;

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = projectWith(
    {
      "models/models.ts": MODELS,
      "trueup.config.ts": `export const config = { models: { paths: ["models"], builtin: false }, orchestrator: { concurrency: 4 } };\n`,
    },
    "trueup-lock-waits-",
  );
  await t.warehouse.query(`CREATE SCHEMA t_lw_test`);
  await t.warehouse.query(`CREATE TABLE t_lw_test.locked AS SELECT 1 AS id`);
});
afterAll(async () => {
  await t?.drop();
  removeProjects();
});

const cli = (args: string[]) => runCli(args, { cwd: dir, env: { WAREHOUSE_URL: t.url }, timeoutMs: 90_000 });

interface NodeRow {
  node: string;
  status: string;
  started_at: string;
  finished_at: string;
  wait_slot_seconds: number | null;
  wait_lock_seconds: number | null;
  work_seconds: number | null;
}

async function lastRun(): Promise<Record<string, NodeRow>> {
  const r = await cli(["--json", "runs", "--limit", "1"]);
  expect(r.code).toBe(0);
  const [run] = JSON.parse(r.stdout) as { nodes: NodeRow[] }[];
  return Object.fromEntries(run!.nodes.map((n) => [n.node, n]));
}

describe("a run's nodes do not wait on each other's locks", () => {
  it("two nodes read a table a third rebuilds: no lock wait near the rebuild's length; waiting and working apart", async () => {
    const first = await cli(["--json", "run", "--select", "+t_lw.t"]); // from now on t is there
    expect(first.code, first.stderr).toBe(0);

    // The test holds a lock on what t_lw.held reads until 1.5 s after the build is seen waiting
    // for it: that wait must show as waiting, not working.
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE t_lw_test.locked IN ACCESS EXCLUSIVE MODE");
    // --full-refresh: nothing changed since the first run, which would leave t as it is.
    const running = cli(["--json", "run", "--full-refresh"]);
    let out;
    try {
      const deadline = Date.now() + 45_000;
      for (let seen = false; !seen && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 100));
        // Not on the holder: inside a transaction pg_stat_activity is a snapshot taken once.
        const w = await t.warehouse.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name LIKE 'trueup %'`,
        );
        seen = w.length > 0;
      }
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      await holder.query("COMMIT");
      await holder.end();
      out = await running;
    }
    expect(out.code, out.stderr.slice(-2000)).toBe(0);
    const nodes = await lastRun();
    for (const id of ["t_lw.t", "t_lw.r1", "t_lw.r2"]) {
      const n = nodes[id]!;
      expect(n.status).toBe("succeeded");
      expect(n.wait_lock_seconds).toBeLessThan(MAX_LOCK_WAIT);
      expect(n.work_seconds).toBeGreaterThanOrEqual(SLEEP - 0.3);
      const wall = (Date.parse(n.finished_at) - Date.parse(n.started_at)) / 1000;
      expect(n.work_seconds! + n.wait_lock_seconds!).toBeCloseTo(wall, 0);
      expect(n.wait_slot_seconds).toBeGreaterThanOrEqual(0);
    }
    // The three ran side by side: each started before the others finished.
    const [a, b, c] = ["t_lw.t", "t_lw.r1", "t_lw.r2"].map((id) => nodes[id]!);
    const latestStart = Math.max(...[a, b, c].map((n) => Date.parse(n!.started_at)));
    const earliestEnd = Math.min(...[a, b, c].map((n) => Date.parse(n!.finished_at)));
    expect(latestStart).toBeLessThan(earliestEnd);
    // A real lock wait is measured as waiting, not working.
    expect(nodes["t_lw.held"]!.wait_lock_seconds).toBeGreaterThan(1);
    expect(nodes["t_lw.held"]!.work_seconds).toBeLessThan(nodes["t_lw.held"]!.wait_lock_seconds!);

    const text = await cli(["runs", "--limit", "1"]);
    expect(text.stdout).toMatch(/working\s+wait lock\s+wait slot/);
  });
});
