import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * One as-of for a world: `trueup sandbox --env-file` writes TRUEUP_AS_OF, and `trueup run`
 * with that env file (no --as-of) reconciles as of the world's as-of, so it finds what
 * `trueup demo` of the same seed and scale finds, category for category. (Run as of the wall
 * clock instead, the windowed rules count other invoices and payments.)
 */
const SEED = 11;
const SCALE = 0.05;
const dirs: string[] = [];
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  // The embedded Postgres runs as `postgres` when tests run as root: it must enter the folder.
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

describe("TRUEUP_AS_OF", () => {
  it("a run against the sandbox with its env file and the demo of the same world report the same discrepancies per category", async () => {
    const sandboxDir = tempDir("trueup-asof-sb-");
    const envFile = path.join(sandboxDir, ".env.sandbox");
    const child = spawn(
      path.join(REPO_ROOT, "bin", "trueup"),
      ["sandbox", "--seed", String(SEED), "--scale", String(SCALE), "--port", "0", "--env-file", envFile],
      { cwd: sandboxDir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let sandboxErr = "";
    child.stderr.on("data", (d: Buffer) => (sandboxErr += d.toString()));
    const { WAREHOUSE_URL: _ignored, TRUEUP_AS_OF: _unset, ...baseEnv } = process.env;
    try {
      for (let i = 0; i < 300 && !existsSync(envFile); i++) await new Promise((r) => setTimeout(r, 200));
      expect(existsSync(envFile), sandboxErr).toBe(true);
      const env = Object.fromEntries(
        readFileSync(envFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      const world = JSON.parse(
        readFileSync(
          path.join(sandboxDir, ".trueup", "worlds", `seed-${SEED}-scale-${SCALE}`, "world.json"),
          "utf8",
        ),
      ) as { as_of: string };
      expect(new Date(env.TRUEUP_AS_OF!).toISOString()).toBe(new Date(world.as_of).toISOString());

      const runDir = tempDir("trueup-asof-run-");
      const [run, demo] = await Promise.all([
        // The example config (sources on, env-driven); the demo configures its own the same way.
        runCli(["--config", path.join(REPO_ROOT, "trueup.config.ts"), "--json", "run"], {
          cwd: runDir,
          env: { ...baseEnv, ...env, WAREHOUSE_URL: t.url },
          timeoutMs: 240_000,
        }),
        runCli(["--json", "demo", "--seed", String(SEED), "--scale", String(SCALE)], {
          cwd: tempDir("trueup-asof-demo-"),
          env: baseEnv,
          timeoutMs: 240_000,
        }),
      ]);
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      expect(demo.code, demo.stderr.slice(-2000)).toBe(0);
      const demoCounts = Object.fromEntries(
        (
          JSON.parse(demo.stdout) as { categories: { category: string; open: string | number }[] }
        ).categories.map((c) => [c.category, Number(c.open)]),
      );
      const runRows = await t.warehouse.query<{ category: string; n: number }>(
        `SELECT r.category, count(d.key)::int AS n FROM recon.rule_status r
           LEFT JOIN recon.discrepancy d ON d.category = r.category AND d.status = 'open'
          GROUP BY r.category`,
      );
      // The demo lists the categories with something open.
      const runCounts = Object.fromEntries(runRows.filter((r) => r.n > 0).map((r) => [r.category, r.n]));
      expect(Object.values(demoCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(runCounts).toEqual(demoCounts);
      // Every run's reconciliation was as of the world's as-of.
      const asOf = await t.warehouse.query<{ at: Date }>(
        `SELECT DISTINCT checked_at AS at FROM recon.rule_status`,
      );
      expect(asOf.map((r) => r.at.toISOString())).toEqual([new Date(world.as_of).toISOString()]);
    } finally {
      child.kill("SIGTERM");
    }
  }, 300_000);
});
