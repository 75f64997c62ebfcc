import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCrontab } from "graphile-worker";
import { parseConfig } from "../../config/load.js";
import { crontab } from "../../orchestration/worker.js";
import { config as example } from "../../trueup.config.js";
import { runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const dirs: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A user's project folder: its config and files (path → text). */
function project(config: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-trust-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "trueup.config.ts"), `export const config = ${config};\n`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe("an invalid cron is a configuration error at load, naming the schedule", () => {
  it.each([
    ["61 2 * * *", /minutes range/],
    ["0 0 2 * * *", /Invalid cron pattern/],
    ["@nightly", /Invalid cron pattern/],
  ])("schedules: %s", async (cron, why) => {
    const dir = project(
      `{ schedules: [{ name: "ok", cron: "0 3 * * *" }, { name: "nightly_close", cron: ${JSON.stringify(cron)} }] }`,
    );
    const r = await runCli(["runs"], { cwd: dir, env: { WAREHOUSE_URL: t.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`schedules.1.cron`);
    expect(r.stderr).toContain(`schedule "nightly_close"`);
    expect(r.stderr).toMatch(why);
  });

  it("a sync's own schedule too, naming the sync", async () => {
    const bad = { ...example.syncs![0]!, schedule: "*/15 * * *" };
    expect(() => parseConfig({ ...example, syncs: [bad] })).toThrow(
      new RegExp(`syncs\\.0\\.schedule: .*sync "${bad.name}": Invalid cron pattern '\\*/15 \\* \\* \\*'`),
    );
  });

  it("good schedules load, and make a crontab graphile-worker takes (several schedules, a sync's own)", async () => {
    const good = [
      { name: "hourly", cron: "0 * * * *" },
      { name: "weekdays close", cron: "*/15 8-18 * * 1-5" },
    ];
    const dir = project(`{ schedules: ${JSON.stringify(good)} }`);
    expect((await runCli(["runs"], { cwd: dir, env: { WAREHOUSE_URL: t.url } })).code).toBe(0);
    const sync = { ...example.syncs![0]!, schedule: "30 6 * * *" };
    const items = parseCrontab(crontab(parseConfig({ ...example, schedules: good, syncs: [sync] })));
    expect(items.map((c) => [c.task, c.identifier, c.options.jobKey, c.payload])).toEqual([
      [
        "trueup_schedule",
        "trueup-schedule-hourly",
        "trueup-schedule-hourly",
        { name: "hourly", select: "*" },
      ],
      [
        "trueup_schedule",
        expect.stringMatching(/^trueup-schedule-weekdays_close-[0-9a-f]{8}$/),
        "trueup-schedule-weekdays close",
        { name: "weekdays close", select: "*" },
      ],
      [
        "trueup_schedule",
        `trueup-sync-${sync.name}`,
        `trueup-sync-${sync.name}`,
        { name: `sync.${sync.name}`, select: `sync.${sync.name}` },
      ],
    ]);
    expect(new Set(items.map((c) => c.identifier)).size).toBe(3);
  });
});

describe("a user model without a description", () => {
  it("builds, and lists, like any other", async () => {
    const dir = project(`{ models: { paths: ["models"], builtin: false } }`, {
      "models/plain.ts": `export const model = {
        name: "plain_numbers",
        schema: "analytics",
        materialized: "table",
        columns: { n: {} },
        sql: () => "SELECT generate_series(1, 3) AS n",
      };\n`,
    });
    const list = await runCli(["build", "--list"], { cwd: dir, env: { WAREHOUSE_URL: t.url } });
    expect(list.stderr).not.toMatch(/TypeError/);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("plain_numbers");
    const build = await runCli(["build"], { cwd: dir, env: { WAREHOUSE_URL: t.url } });
    expect(build.stderr).not.toMatch(/TypeError/);
    expect(build.code).toBe(0);
    const [row] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM analytics.plain_numbers`,
    );
    expect(row!.n).toBe("3");
    const compiled = await runCli(["compile", "--dialect", "postgres", "--out", path.join(dir, "sql")], {
      cwd: dir,
      env: { WAREHOUSE_URL: t.url },
    });
    expect(compiled.code).toBe(0);
  });
});
