import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCredentials } from "../../config/credentials.js";
import { loadConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { runExtract, type StreamOutcome } from "../../extract/run-extract.js";
import { salesforceSource } from "../../extract/sources/salesforce/index.js";
import { soqlWhere } from "../../extract/sources/salesforce/incremental.js";
import { readCursor } from "../../load/state.js";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "../../sandbox/emulators/server.js";
import { MemoryWorldStore, salesforceTime } from "../../sandbox/emulators/store.js";
import { generateWorld } from "../../sandbox/world/generate.js";
import { silentLog } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

type Rec = Record<string, unknown>;
const OBJECTS = ["Account", "Contact", "Opportunity"] as const;
let dir: string;
let baseConfig: Config;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "trueup-sfx-"));
  await generateWorld({ seed: 31, scale: 0.1, out: dir });
  ({ config: baseConfig } = await loadConfig({
    cwd: path.resolve(import.meta.dirname, "../.."),
    dotenv: false,
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function jsonl(file: string): Rec[] {
  return readFileSync(path.join(dir, file), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
}

function configWith(sf: Partial<NonNullable<Config["sources"]["salesforce"]>>): Config {
  const config = structuredClone(baseConfig);
  config.sources.salesforce = { ...config.sources.salesforce!, maxRetries: 12, ...sf };
  return config;
}

/** A store of the world with `n` extra Contacts, each with its own SystemModstamp. */
function storeWithContacts(n: number): MemoryWorldStore {
  const store = MemoryWorldStore.load(dir);
  const contacts = [...store.list("salesforce", "Contact")];
  const base = contacts[0]!;
  const t0 = Date.parse("2025-03-01T00:00:00Z");
  for (let i = contacts.length; i < n; i++) {
    const stamp = salesforceTime(new Date(t0 + i * 60_000));
    contacts.push({
      ...base,
      Id: `003SYN${String(i).padStart(12, "0")}`,
      LastName: `Synthetic ${i}`,
      CreatedDate: stamp,
      SystemModstamp: stamp,
    });
  }
  store.setTable("salesforce", "Contact", contacts);
  return store;
}

async function extract(
  t: TestDatabase,
  sb: RunningSandbox,
  config: Config,
  runId: string,
  selection = ["salesforce"],
): Promise<StreamOutcome[]> {
  return runExtract({
    warehouse: t.warehouse,
    config,
    credentials: readCredentials({ ...sb.env }),
    runId,
    log: silentLog,
    selection,
    sources: { salesforce: salesforceSource },
  });
}

const ok = (out: StreamOutcome[]) => {
  const failed = out.filter((o) => o.status !== "succeeded");
  expect(failed.map((f) => `${f.stream}: ${f.error}`)).toEqual([]);
  return out;
};
const rowsOf = (out: StreamOutcome[], stream: string) => out.find((o) => o.stream === stream)?.rows ?? -1;
const queries = (sb: RunningSandbox, object: string) =>
  sb.requestLog
    .filter((r) => r.path.endsWith("/queryAll") && String(r.query.q).includes(`FROM ${object} `))
    .map((r) => String(r.query.q));
const adminUrl = (sb: RunningSandbox, object: string, id: unknown) =>
  `${sb.urls.salesforce}/__sandbox/salesforce/${object}/${String(id)}`;

describe("soqlWhere", () => {
  it("resumes after the last (SystemModstamp, Id) and honours a lookback", () => {
    const c = { systemModstamp: "2026-01-01T10:00:00.000+0000", id: "001A00000000000009" };
    expect(soqlWhere(undefined)).toBeUndefined();
    expect(soqlWhere(c)).toBe(
      "(SystemModstamp > 2026-01-01T10:00:00Z OR (SystemModstamp = 2026-01-01T10:00:00Z AND Id > '001A00000000000009'))",
    );
    expect(soqlWhere(c, 300)).toBe("SystemModstamp >= 2026-01-01T09:55:00Z");
    expect(soqlWhere({ ...c, systemModstamp: "2026-01-01T10:00:00.250+0000" })).toContain(
      "SystemModstamp > 2026-01-01T10:00:00.250Z",
    );
    // An id that is not a Salesforce id never reaches the query text.
    expect(soqlWhere({ ...c, id: "x' OR Name != '" })).toBe("SystemModstamp >= 2026-01-01T10:00:00Z");
  });
});

describe("salesforce source against the sandbox", () => {
  let t: TestDatabase;
  let sb: RunningSandbox;
  const config = () => configWith({ batchSize: 200 });
  beforeAll(async () => {
    t = await createTestDatabase();
    sb = await startSandbox({ worldDir: dir, port: 0 });
  });
  afterAll(async () => {
    await sb?.close();
    await t?.drop();
  });

  it("first run: staging holds every record, deleted ones as tombstones, typed from describe", async () => {
    const out = ok(await extract(t, sb, config(), "sf-1"));
    for (const object of OBJECTS) {
      const world = jsonl(`salesforce/${object}.jsonl`);
      const table = `staging.salesforce__${object.toLowerCase()}`;
      const [n] = await t.warehouse.query<{ all: string; deleted: string }>(
        `SELECT count(*) AS all, count(*) FILTER (WHERE _trueup_deleted) AS deleted FROM ${table}`,
      );
      expect(Number(n!.all), object).toBe(world.length);
      expect(Number(n!.deleted), object).toBe(world.filter((r) => r.IsDeleted === true).length);
      expect(rowsOf(out, object)).toBe(world.filter((r) => r.IsDeleted !== true).length);
      // Paged at 200 by nextRecordsUrl, through one queryAll per stream.
      expect(queries(sb, object)).toHaveLength(1);
      expect(queries(sb, object)[0]).toMatch(/ ORDER BY SystemModstamp, Id$/);
    }
    expect(sb.requestLog.some((r) => /\/query\/01g[0-9A-F]+-200$/.test(r.path))).toBe(true);
    const cols = await t.warehouse.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'staging' AND table_name = 'salesforce__account'`,
    );
    const types = Object.fromEntries(cols.map((c) => [c.column_name, c.data_type]));
    expect(types).toMatchObject({
      id: "text",
      account_number__c: "text",
      overdue_amount__c: "numeric",
      arr__c: "numeric",
      health_score__c: "numeric",
      last_payment_date__c: "date",
      system_modstamp: "timestamp with time zone",
      is_deleted: "boolean",
    });
    expect(types).not.toHaveProperty("attributes");
    expect(Object.keys(types).some((c) => c.startsWith("attributes"))).toBe(false);
    const last = [...jsonl("salesforce/Account.jsonl")].sort((a, b) =>
      String(a.SystemModstamp) === String(b.SystemModstamp)
        ? String(a.Id) < String(b.Id)
          ? -1
          : 1
        : Date.parse(String(a.SystemModstamp).replace("+0000", "Z")) -
          Date.parse(String(b.SystemModstamp).replace("+0000", "Z")),
    )[jsonl("salesforce/Account.jsonl").length - 1]!;
    expect(await readCursor(t.warehouse, "salesforce", "Account")).toEqual({
      systemModstamp: last.SystemModstamp,
      id: last.Id,
    });
  });

  it("second run after admin edits reads only the changes; staging shows the new values", async () => {
    const [a, b] = jsonl("salesforce/Account.jsonl").filter((r) => r.IsDeleted !== true);
    const contact = jsonl("salesforce/Contact.jsonl")[4]!;
    for (const [id, patch] of [
      [a!.Id, { Billing_Status__c: "overdue", Overdue_Amount__c: 1250.5 }],
      [b!.Id, { Name: "Renamed Ltd" }],
    ] as const) {
      const r = await fetch(adminUrl(sb, "Account", id), { method: "PATCH", body: JSON.stringify(patch) });
      expect(r.status).toBe(200);
    }
    expect((await fetch(adminUrl(sb, "Contact", contact.Id), { method: "DELETE" })).ok).toBe(true);
    sb.requestLog.length = 0;
    const out = ok(await extract(t, sb, config(), "sf-2"));
    expect(rowsOf(out, "Account")).toBe(2);
    expect(rowsOf(out, "Opportunity")).toBe(0);
    expect(out.find((o) => o.stream === "Contact")).toMatchObject({ rows: 0, deletes: 1 });
    for (const object of OBJECTS) {
      expect(queries(sb, object)).toHaveLength(1);
      expect(queries(sb, object)[0]).toContain("AND Id > '");
    }
    // Describe plus one query page per stream: nothing re-read from the start.
    expect(sb.requestLog).toHaveLength(6);
    const [acc] = await t.warehouse.query<{ billing_status__c: string; overdue_amount__c: string }>(
      `SELECT billing_status__c, overdue_amount__c FROM staging.salesforce__account WHERE id = $1`,
      [a!.Id],
    );
    expect(acc).toEqual({ billing_status__c: "overdue", overdue_amount__c: "1250.5" });
    const [renamed] = await t.warehouse.query<{ name: string }>(
      `SELECT name FROM staging.salesforce__account WHERE id = $1`,
      [b!.Id],
    );
    expect(renamed!.name).toBe("Renamed Ltd");
    const [gone] = await t.warehouse.query<{ d: boolean; last_name: string }>(
      `SELECT _trueup_deleted AS d, last_name FROM staging.salesforce__contact WHERE id = $1`,
      [contact.Id],
    );
    expect(gone).toEqual({ d: true, last_name: contact.LastName });
  });
});

describe("salesforce source and the daily API quota", () => {
  it("stops at its share after the last committed page, and the next day's run finishes", async () => {
    const t = await createTestDatabase();
    const store = MemoryWorldStore.load(dir);
    // All live, so row counts are exact page multiples.
    const accounts: Rec[] = store.list("salesforce", "Account").map((a) => ({ ...a, IsDeleted: false }));
    for (let i = accounts.length; i < 1000; i++)
      accounts.push({ ...accounts[0]!, Id: `001SYN${String(i).padStart(12, "0")}`, IsDeleted: false });
    store.setTable("salesforce", "Account", accounts);
    const sb = await startSandbox({ store, port: 0, options: { salesforceDailyApiRequests: 10 } });
    const config = configWith({ batchSize: 200, maxDailyApiShare: 0.5, streams: ["Account"] });
    const staged = async () =>
      Number(
        (await t.warehouse.query<{ n: string }>(`SELECT count(*) AS n FROM staging.salesforce__account`))[0]!
          .n,
      );
    try {
      // describe (1) + four pages (2..5): 5 of 10 is the share; the fifth page is not asked for.
      const [first] = await extract(t, sb, config, "q-1");
      expect(first).toMatchObject({ status: "stopped", rows: 800 });
      expect(first!.error).toMatch(/^stopped on the API quota, resumes next run: /);
      expect(first!.error).toMatch(/maxDailyApiShare 0\.5/);
      expect(await staged()).toBe(800);
      const cursor = (await readCursor(t.warehouse, "salesforce", "Account")) as { id: string };
      expect(cursor.id).toMatch(/^001/);
      expect(sb.requestLog).toHaveLength(5);

      // Another integration spends the rest of the org's quota: the org answers 403.
      const headers = { authorization: `Bearer ${sb.env.SALESFORCE_ACCESS_TOKEN}` };
      for (let i = 0; i < 5; i++) await fetch(`${sb.urls.salesforce}/services/data/`, { headers });
      const config2 = configWith({ batchSize: 200, maxDailyApiShare: 1, streams: ["Account"] });
      const [second] = await extract(t, sb, config2, "q-2");
      expect(second).toMatchObject({ status: "stopped" });
      expect(second!.error).toMatch(/REQUEST_LIMIT_EXCEEDED/);
      expect(await readCursor(t.warehouse, "salesforce", "Account")).toEqual(cursor);

      // A day later the rolling quota has room again; the run resumes from the saved cursor.
      await fetch(`${sb.urls.salesforce}/__sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ advance_seconds: 86_401 }),
      });
      sb.requestLog.length = 0;
      const [third] = await extract(t, sb, config, "q-3");
      expect(third).toMatchObject({ status: "succeeded", rows: 200 });
      expect(queries(sb, "Account")[0]).toContain(`Id > '${cursor.id}'`);
      expect(await staged()).toBe(1000);
    } finally {
      await sb.close();
      await t.drop();
    }
  });
});

describe("salesforce source under the hostile profile", () => {
  it("reads a SystemModstamp tie bigger than a page completely, across a page boundary and a stop", async () => {
    const t = await createTestDatabase();
    const store = storeWithContacts(3000);
    const opts: SandboxOptions = { store, port: 0, faults: "hostile", faultSeed: 5 };
    const sb = await startSandbox({ ...opts, options: { salesforceDailyApiRequests: 24 } });
    try {
      const counts = new Map<string, number>();
      for (const c of store.list("salesforce", "Contact"))
        counts.set(String(c.SystemModstamp), (counts.get(String(c.SystemModstamp)) ?? 0) + 1);
      const [tie, tied] = [...counts].sort((x, y) => y[1] - x[1])[0]!;
      expect(tied).toBeGreaterThan(2500);

      const config = configWith({ batchSize: 200, maxDailyApiShare: 0.5, streams: ["Contact"] });
      const [first] = await extract(t, sb, config, "h-1");
      expect(first!.status).toBe("stopped");
      expect(first!.error).toMatch(/maxDailyApiShare/);
      // The stop fell inside the tie: the saved cursor is the tie's timestamp and an Id within it.
      const cursor = (await readCursor(t.warehouse, "salesforce", "Contact")) as Rec;
      expect(cursor.systemModstamp).toBe(tie);

      await fetch(`${sb.urls.salesforce}/__sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ advance_seconds: 86_401 }),
      });
      const config2 = configWith({ batchSize: 200, maxDailyApiShare: 1, streams: ["Contact"] });
      const [second] = await extract(t, sb, config2, "h-2");
      expect(second).toMatchObject({ status: "succeeded" });
      const got = (await t.warehouse.query<{ id: string }>(`SELECT id FROM staging.salesforce__contact`))
        .map((r) => r.id)
        .sort();
      const want = store
        .list("salesforce", "Contact")
        .map((r) => String(r.Id))
        .sort();
      expect(got).toEqual(want);
      const [inTie] = await t.warehouse.query<{ n: string }>(
        `SELECT count(*) AS n FROM staging.salesforce__contact WHERE system_modstamp = $1::timestamptz`,
        [String(tie).replace("+0000", "Z")],
      );
      expect(Number(inTie!.n)).toBe(tied);
      expect(sb.requestLog.some((r) => r.status === -1 || r.status >= 500)).toBe(true);
    } finally {
      await sb.close();
      await t.drop();
    }
  });
});
