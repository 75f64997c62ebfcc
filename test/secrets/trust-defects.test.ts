import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCrontab } from "graphile-worker";
import { parseConfig } from "../../config/load.js";
import { crontab } from "../../orchestration/worker.js";
import { config as example } from "../../trueup.config.js";
import { isSalesforceApiName } from "../../extract/sources/salesforce/streams.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
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

describe("Salesforce field names from describe go into SOQL only when they are API names", () => {
  it("the grammar: letters, digits, single underscores, a namespace prefix and a __c/__r suffix", () => {
    for (const ok of [
      "Id",
      "Name",
      "BillingStreet",
      "Region__c",
      "acme__Tier__c",
      "Account__r",
      "Loc__Latitude__s",
    ])
      expect(isSalesforceApiName(ok), ok).toBe(true);
    for (const bad of [
      "",
      "1Up__c",
      "_Name",
      "Name_",
      "Two__Under__scores__c",
      "Name, (SELECT Id FROM User)",
      "Tier__q",
      "Näme",
    ])
      expect(isSalesforceApiName(bad), bad).toBe(false);
  });

  it("a configured object that is not an API name fails its stream before any request, naming it", async () => {
    const dir = project(`{ sources: { salesforce: { streams: ["Account WHERE Id != null"] } } }`);
    const r = await runCli(["--json", "extract", "salesforce"], {
      cwd: dir,
      env: {
        WAREHOUSE_URL: t.url,
        // Nothing listens here: the stream must fail before asking.
        SALESFORCE_INSTANCE_URL: "http://127.0.0.1:9",
        SALESFORCE_ACCESS_TOKEN: "00Dtest!stubtoken",
        TRUEUP_LOG_LEVEL: "error",
      },
    });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { streams: { status: string; error?: string }[] };
    expect(out.streams).toHaveLength(1);
    expect(out.streams[0]!.error).toContain(
      'sources.salesforce.streams: "Account WHERE Id != null" is not a Salesforce object API name',
    );
  });

  it("a bad field is left out of the query with a warning naming object and field; the rest loads", async () => {
    const bad = ["Name FROM User WHERE Id != null --", "Secret__c, (SELECT Id FROM Contacts)", "1Up__c"];
    const queries: string[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://stub");
      res.setHeader("content-type", "application/json");
      if (url.pathname.endsWith("/sobjects/Account/describe")) {
        const fields = [
          { name: "Id", type: "id" },
          { name: "SystemModstamp", type: "datetime" },
          { name: "IsDeleted", type: "boolean" },
          { name: "Name", type: "string" },
          { name: "acme__Tier__c", type: "picklist" },
          ...bad.map((name) => ({ name, type: "string" })),
        ];
        return res.end(JSON.stringify({ name: "Account", fields }));
      }
      if (url.pathname.endsWith("/queryAll")) {
        queries.push(url.searchParams.get("q") ?? "");
        const record = {
          attributes: { type: "Account" },
          Id: "001000000000001AAA",
          SystemModstamp: "2026-11-30T10:00:00.000+0000",
          IsDeleted: false,
          Name: "Acme",
          acme__Tier__c: "Gold",
        };
        return res.end(JSON.stringify({ totalSize: 1, done: true, records: [record] }));
      }
      res.statusCode = 404;
      res.end("[]");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runCli(["--json", "extract", "salesforce.Account"], {
        cwd: REPO_ROOT,
        env: {
          WAREHOUSE_URL: t.url,
          SALESFORCE_INSTANCE_URL: `http://127.0.0.1:${port}`,
          SALESFORCE_ACCESS_TOKEN: "00Dtest!stubtoken",
          TRUEUP_LOG_LEVEL: "warn",
        },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(queries).toHaveLength(1);
      expect(queries[0]).toMatch(
        /^SELECT Id, SystemModstamp, IsDeleted, Name, acme__Tier__c FROM Account ORDER BY/,
      );
      const warnings = r.stderr
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: string; object?: string; field?: string; msg: string });
      for (const name of bad)
        expect(warnings).toContainEqual(
          expect.objectContaining({
            level: "warn",
            object: "Account",
            field: name,
            msg: expect.stringContaining("not a Salesforce API name"),
          }),
        );
      const rows = await t.warehouse.query<{ name: string; acme__tier__c: string }>(
        `SELECT name, acme__tier__c FROM staging.salesforce__account`,
      );
      expect(rows).toEqual([{ name: "Acme", acme__tier__c: "Gold" }]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
