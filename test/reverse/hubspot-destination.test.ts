import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCredentials } from "../../config/credentials.js";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { createLogger } from "../../core/log.js";
import { HubspotDestination, hubspotWriteClient } from "../../reverse/destinations/hubspot/index.js";
import { runSyncs } from "../../reverse/run.js";
import { SANDBOX_CREDENTIALS } from "../../sandbox/emulators/context.js";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { generateWorld } from "../../sandbox/world/generate.js";
import { runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Reverse ETL into HubSpot companies, over the HubSpot emulator of a `--crm hubspot` world: a
 * table of our own (company id, health values) synced by batch/update, read back with HubSpot's
 * official client; governance refuses before any request; the token surfaces nowhere.
 */
type Rec = Record<string, unknown>;
const TOKEN = SANDBOX_CREDENTIALS.hubspot.accessToken;
const SYNC = "hubspot_company_health";
const MAPPING = {
  trueup_billing_status: "billing_status",
  trueup_overdue_amount: "overdue_amount",
  trueup_last_payment_date: "last_payment_date",
  trueup_arr: "arr",
  trueup_health_score: "health_score",
};
const WRITABLE = { hubspot: { companies: Object.keys(MAPPING) } };

function syncOf(mapping: Record<string, string> = MAPPING, extra: Rec = {}) {
  return {
    name: SYNC,
    model: "hs_test.company_health",
    destination: { system: "hubspot", object: "companies" },
    matchKey: { column: "hubspot_company_id", field: "id" },
    mapping,
    ...extra,
  };
}

let root: string;
let sb: RunningSandbox;
let t: TestDatabase;
let config: Config;
let ids: string[];
const logLines: string[] = [];
const results: unknown[] = [];
let throttleNextWrite = false;

const log = createLogger({
  level: "trace",
  destination: { write: (s: string) => (logLines.push(s), true) } as never,
  pretty: false,
});

async function run(runId: string) {
  const out = await runSyncs({
    warehouse: t.warehouse,
    config,
    credentials: readCredentials({ ...sb.env }),
    runId,
    log,
  });
  results.push(out);
  return out[0]!;
}

const writes = () =>
  sb.requestLog.filter((r) => r.method === "POST" && r.path === "/crm/v3/objects/companies/batch/update");

/** The companies as HubSpot's official client reads them (batches of 100). */
async function readBack(which: string[]): Promise<Map<string, Record<string, string | null>>> {
  const client = new Client({ accessToken: TOKEN, basePath: sb.urls.hubspot, numberOfApiCallRetries: 0 });
  const out = new Map<string, Record<string, string | null>>();
  for (let i = 0; i < which.length; i += 100) {
    const res = await client.crm.companies.batchApi.read({
      inputs: which.slice(i, i + 100).map((id) => ({ id })),
      properties: Object.keys(MAPPING),
      propertiesWithHistory: [],
    });
    for (const c of res.results) out.set(c.id, c.properties);
  }
  return out;
}

async function expectHolds(which: string[]): Promise<void> {
  const rows = await t.warehouse.query<Rec>(
    `SELECT hubspot_company_id, billing_status, overdue_amount::float8 AS overdue_amount,
            to_char(last_payment_date, 'YYYY-MM-DD') AS last_payment_date, arr::float8 AS arr,
            health_score::float8 AS health_score
       FROM hs_test.company_health WHERE hubspot_company_id = ANY($1)`,
    [which],
  );
  const got = await readBack(which);
  expect(got.size).toBe(which.length);
  for (const r of rows) {
    const p = got.get(String(r.hubspot_company_id))!;
    expect(p.trueup_billing_status).toBe(r.billing_status);
    expect(Number(p.trueup_overdue_amount)).toBe(r.overdue_amount);
    expect(p.trueup_last_payment_date).toBe(r.last_payment_date);
    expect(Number(p.trueup_arr)).toBe(r.arr);
    expect(Number(p.trueup_health_score)).toBe(r.health_score);
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "trueup-hsd-"));
  await generateWorld({ seed: 11, scale: 0.2, out: root, crm: "hubspot" });
  sb = await startSandbox({
    worldDir: root,
    port: 0,
    // A throttle where a test asks for one: HubSpot's 429 on the next batch update.
    faultAt: ({ system, path: p }) => {
      if (system !== "hubspot" || !p.endsWith("/batch/update") || !throttleNextWrite) return undefined;
      throttleNextWrite = false;
      return { kind: "throttle", retryAfterSeconds: 0 };
    },
  });
  t = await createTestDatabase();
  ids = sb.store
    .list("hubspot", "companies")
    .filter((c) => !c.archived)
    .map((c) => String(c.id));
  await t.warehouse.query(`CREATE SCHEMA hs_test`);
  await t.warehouse.query(
    `CREATE TABLE hs_test.company_health (
       hubspot_company_id text PRIMARY KEY, billing_status text, overdue_amount numeric(14,2),
       last_payment_date date, arr numeric(14,2), health_score numeric(5,1))`,
  );
  await t.warehouse.query(
    `INSERT INTO hs_test.company_health
     SELECT id, (ARRAY['current','overdue','no_billing'])[1 + n % 3], (n % 7) * 125.5,
            DATE '2026-01-01' + (n % 40)::int, 1000 * n + 0.25, 40 + (n % 60) + 0.5
       FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`,
    [ids],
  );
  config = parseConfig({ models: { builtin: false }, writable: WRITABLE, syncs: [syncOf()] });
}, 120_000);

afterAll(async () => {
  await t?.drop();
  await sb?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("reverse ETL into HubSpot companies", () => {
  it("the first sync writes every company in batches of at most 100, read back by HubSpot's client", async () => {
    expect(ids.length).toBeGreaterThan(100);
    sb.requestLog.length = 0;
    const r = await run("h1");
    expect([r.status, r.verified, r.failed]).toEqual(["succeeded", ids.length, 0]);
    const batches = Math.ceil(ids.length / 100);
    expect(r.writeCalls).toBe(batches);
    // The emulator refuses a batch of more than 100 inputs (a 400): each call was accepted.
    expect(writes().map((w) => w.status)).toEqual(Array<number>(batches).fill(200));
    await expectHolds(ids);
  });

  it("a second run writes nothing", async () => {
    sb.requestLog.length = 0;
    const r = await run("h2");
    expect([r.status, r.plan.changes.length, r.writeCalls]).toEqual(["succeeded", 0, 0]);
    expect(writes()).toEqual([]);
  });

  it("changed values are written again, in one call, through a HubSpot 429", async () => {
    const changed = ids.slice(0, 3);
    await t.warehouse.query(
      `UPDATE hs_test.company_health SET health_score = health_score + 1, billing_status = 'overdue'
        WHERE hubspot_company_id = ANY($1)`,
      [changed],
    );
    sb.requestLog.length = 0;
    throttleNextWrite = true;
    const r = await run("h3");
    expect([r.status, r.plan.changes.length, r.verified, r.writeCalls]).toEqual(["succeeded", 3, 3, 1]);
    // HubSpot's secondly limit, then the same call again through the shared engine's retry.
    expect(writes().map((w) => w.status)).toEqual([429, 200]);
    await expectHolds(changed);
    const audit = await t.warehouse.query<{ record_id: string; field: string }>(
      `SELECT record_id, field FROM reverse.audit WHERE run_id = 'h3' ORDER BY record_id, field`,
    );
    expect(new Set(audit.map((a) => a.field))).toEqual(
      new Set(["trueup_billing_status", "trueup_health_score"]),
    );
  });

  it("a company id HubSpot does not have is reported not found, and nothing is written for it", async () => {
    await t.warehouse.query(
      `INSERT INTO hs_test.company_health VALUES ('9999999999', 'current', 0, DATE '2026-02-01', 1, 50)`,
    );
    sb.requestLog.length = 0;
    const r = await run("h4");
    expect([r.status, r.failed, r.writeCalls]).toEqual(["failed", 1, 0]);
    expect(writes()).toEqual([]);
    const [failure] = await t.warehouse.query<{ error: string }>(
      `SELECT last_error AS error FROM reverse.failures WHERE sync = $1 AND record_id = '9999999999'`,
      [SYNC],
    );
    expect(failure!.error).toMatch(/record 9999999999 not found in hubspot companies/);
    await t.warehouse.query(`DELETE FROM hs_test.company_health WHERE hubspot_company_id = '9999999999'`);
  });

  it("batch update answers per input: a 207 names the ids HubSpot lacks, a 400 fails the batch unwritten", async () => {
    const d = new HubspotDestination(
      hubspotWriteClient(readCredentials({ ...sb.env }), { runId: "hd", log }),
    );
    expect(await d.count("companies")).toBe(ids.length);
    const [a, b] = ids;
    const outcomes = await d.write("companies", [
      { recordId: a!, fields: { trueup_health_score: 12.5, trueup_last_payment_date: null } },
      { recordId: "9999999998", fields: { trueup_health_score: 1 } },
      { recordId: "not-an-id", fields: { trueup_health_score: 1 } },
    ]);
    expect(outcomes.map((o) => [o.recordId, o.ok])).toEqual([
      [a, true],
      ["9999999998", false],
      ["not-an-id", false],
    ]);
    expect(outcomes[1]!.error).toMatch(/^OBJECT_NOT_FOUND: Could not update some objects/);
    expect(d.writeCalls).toBe(1); // the malformed id was never sent
    // Read back: the number as HubSpot's string, the cleared date as null.
    expect(
      await d.read("companies", [a!, "9999999998"], ["trueup_health_score", "trueup_last_payment_date"]),
    ).toEqual(new Map([[a!, { trueup_health_score: "12.5", trueup_last_payment_date: null }]]));
    const refused = await d.write("companies", [
      { recordId: a!, fields: { trueup_health_score: 13 } },
      { recordId: b!, fields: { trueup_not_defined: "x" } },
    ]);
    expect(refused.every((o) => !o.ok && /400: Property values were not valid/.test(o.error!))).toBe(true);
    expect((await d.read("companies", [a!], ["trueup_health_score"])).get(a!)).toEqual({
      trueup_health_score: "12.5",
    });
    expect(() => d.upsert()).toThrow(/updates records by their id/);
  });

  it("governance refuses a property off the allow-list, HubSpot's own owner, and upsert, before any request", async () => {
    expect(() =>
      parseConfig({
        models: { builtin: false },
        writable: WRITABLE,
        syncs: [syncOf({ ...MAPPING, trueup_key: "billing_status" })],
      }),
    ).toThrow(
      /syncs\.hubspot_company_health\.mapping\.trueup_key: hubspot companies\.trueup_key is not on the allow-list/,
    );
    // On the allow-list, but the company owner is HubSpot's own (customer.owner, home hubspot).
    const ownerWritable = { hubspot: { companies: [...Object.keys(MAPPING), "hubspot_owner_id", "name"] } };
    expect(() =>
      parseConfig({ writable: ownerWritable, syncs: [syncOf({ hubspot_owner_id: "billing_status" })] }),
    ).toThrow(/hubspot companies\.hubspot_owner_id is customer\.owner, whose system of record is hubspot/);
    expect(() =>
      parseConfig({
        writable: ownerWritable,
        ownership: { "customer.legal_name": "hubspot" },
        syncs: [syncOf({ name: "billing_status" })],
      }),
    ).toThrow(/companies\.name is customer\.legal_name, whose system of record is hubspot/);
    expect(() =>
      parseConfig({
        writable: { hubspot: { companies: [...Object.keys(MAPPING), "trueup_key"] } },
        syncs: [
          syncOf(MAPPING, {
            mode: "upsert",
            matchKey: { column: "hubspot_company_id", field: "trueup_key" },
          }),
        ],
      }),
    ).toThrow(/syncs\.hubspot_company_health\.mode: the HubSpot destination updates existing records/);

    // `trueup sync` with such a config, the sandbox's variables set: exit 2, and HubSpot saw nothing.
    const file = path.join(root, "refused.config.ts");
    writeFileSync(
      file,
      `export const config = ${JSON.stringify({
        models: { builtin: false },
        writable: WRITABLE,
        syncs: [syncOf({ ...MAPPING, trueup_key: "billing_status" })],
      })};\n`,
    );
    sb.requestLog.length = 0;
    const cli = await runCli(["--config", file, "sync"], { env: { ...sb.env, WAREHOUSE_URL: t.url } });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/trueup_key is not on the allow-list \(writable\.hubspot\.companies\)/);
    expect(sb.requestLog).toEqual([]);
    expect(cli.stdout + cli.stderr).not.toContain(TOKEN);
  });

  it("the access token appears in no log line, result or stored table", async () => {
    // A failing call too: HubSpot refuses a property it does not define (the whole batch, 400).
    const bad = parseConfig({
      models: { builtin: false },
      writable: { hubspot: { companies: ["trueup_not_defined"] } },
      syncs: [{ ...syncOf({ trueup_not_defined: "billing_status" }), name: "hubspot_bad_property" }],
    });
    const out = await runSyncs({
      warehouse: t.warehouse,
      config: bad,
      credentials: readCredentials({ ...sb.env }),
      runId: "h5",
      log,
    });
    results.push(out);
    expect(out[0]!.status).toBe("failed");
    expect(out[0]!.writeCalls).toBe(0); // refused by the payload check: HubSpot defines no such property
    const [f] = await t.warehouse.query<{ error: string }>(
      `SELECT last_error AS error FROM reverse.failures WHERE sync = 'hubspot_bad_property' LIMIT 1`,
    );
    expect(f!.error).toMatch(/HubSpot companies: field trueup_not_defined does not exist/);

    // Trace lines carry the request headers, Authorization among them (masked).
    expect(logLines.some((l) => l.includes('"http request"') && /authorization/i.test(l))).toBe(true);
    const tables = await t.warehouse.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'reverse'`,
    );
    expect(tables.length).toBeGreaterThan(3);
    let stored = "";
    for (const { table_name } of tables)
      for (const row of await t.warehouse.query<{ t: string }>(
        `SELECT x::text AS t FROM reverse.${table_name} x`,
      ))
        stored += row.t;
    expect(stored).toContain("trueup_health_score");
    for (const text of [logLines.join("\n"), JSON.stringify(results), stored]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN.slice(8)); // nor the token without its `pat-na1-` prefix
    }
  });
});
