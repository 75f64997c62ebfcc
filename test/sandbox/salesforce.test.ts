import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import jsforce from "jsforce";
import { padContacts } from "../helpers/sandbox-world.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_EMULATOR_OPTIONS,
  SANDBOX_CREDENTIALS,
  type EmulatorOptions,
  type FaultProfile,
} from "../../sandbox/emulators/context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../../sandbox/emulators/interfaces.js";
import { salesforceModule } from "../../sandbox/emulators/salesforce/index.js";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { MemoryWorldStore, salesforceTime } from "../../sandbox/emulators/store.js";
import { Rng } from "../../sandbox/world/rng.js";
import { generateWorld } from "../../sandbox/world/generate.js";

type Rec = Record<string, unknown>;
const AS_OF = new Date("2026-11-22T10:00:00Z");
const TOKEN = SANDBOX_CREDENTIALS.salesforce.accessToken;
const API = "/services/data/v61.0";

/** Accounts with the world's shape: custom reverse-ETL fields null everywhere, one deleted row. */
function accounts(n: number): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2025, 0, 1) + (i % 50) * 3_600_000);
    out.push({
      Id: `001A${String(i).padStart(14, "0")}`,
      Name: `Account ${i}`,
      Website: `https://a${i}.example.com/`,
      ParentId: null,
      OwnerId: "005000000000000016",
      Type: i % 2 ? "Customer" : "Prospect",
      Industry: "Retail",
      CurrencyIsoCode: "USD",
      Account_Number__c: `00000000016816${String(i).padStart(4, "0")}`,
      Billing_Status__c: null,
      Overdue_Amount__c: null,
      Last_Payment_Date__c: null,
      ARR__c: null,
      Health_Score__c: null,
      CreatedDate: salesforceTime(t),
      SystemModstamp: salesforceTime(t),
      IsDeleted: i === 3,
    });
  }
  return out;
}

function opportunities(n: number): Rec[] {
  return Array.from({ length: n }, (_, i) => ({
    Id: `006B${String(i).padStart(14, "0")}`,
    AccountId: `001A${String(i % 10).padStart(14, "0")}`,
    Name: `Deal ${i}`,
    StageName: i % 3 ? "Closed Won" : "Prospecting",
    Amount: 1000 * (i + 1),
    CloseDate: "2025-06-30",
    IsClosed: i % 3 !== 0,
    CreatedDate: salesforceTime(new Date(Date.UTC(2025, 0, 1, 0, 0, i))),
    SystemModstamp: salesforceTime(new Date(Date.UTC(2025, 0, 1, 0, 0, i))),
    IsDeleted: false,
  }));
}

function emulator(
  opts: {
    accounts?: number;
    faults?: FaultProfile;
    seed?: number;
    options?: Partial<EmulatorOptions>;
  } = {},
): { emu: Emulator; store: MemoryWorldStore } {
  const store = new MemoryWorldStore({ asOf: AS_OF, seed: 1 });
  store.setTable("salesforce", "Account", accounts(opts.accounts ?? 60));
  store.setTable("salesforce", "Opportunity", opportunities(30));
  const emu = salesforceModule.create({
    store,
    baseUrl: "http://127.0.0.1:1",
    faults: opts.faults ?? "none",
    rng: new Rng(opts.seed ?? 9, 100),
    options: { ...DEFAULT_EMULATOR_OPTIONS, ...opts.options },
  });
  return { emu, store };
}

async function call(
  emu: Emulator,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<SandboxResponse & { body: unknown }> {
  const u = new URL(pathAndQuery, "http://127.0.0.1:1");
  const req: SandboxRequest = {
    method,
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    rawQuery: u.search.slice(1),
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    rawBody: body === undefined ? "" : JSON.stringify(body),
    body,
    url: u.toString(),
  };
  return (await emu.handle(req)) as SandboxResponse & { body: unknown };
}

const soql = (emu: Emulator, q: string, all = false, headers: Record<string, string> = {}) =>
  call(emu, "GET", `${API}/${all ? "queryAll" : "query"}?q=${encodeURIComponent(q)}`, undefined, headers);

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Rec[];
}
const errorCode = (r: { body: unknown }) => (r.body as { errorCode: string }[])[0]!.errorCode;

describe("salesforce emulator (handle)", () => {
  it("checks the bearer token and lists API versions", async () => {
    const { emu } = emulator();
    const bad = await emu.handle({
      method: "GET",
      path: "/services/data/",
      query: {},
      rawQuery: "",
      headers: { authorization: "Bearer wrong" },
      rawBody: "",
      body: undefined,
      url: "http://127.0.0.1:1/services/data/",
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    const ok = await call(emu, "GET", "/services/data/");
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(
      expect.arrayContaining([{ label: "Summer '24", url: "/services/data/v61.0", version: "61.0" }]),
    );
    expect((await call(emu, "GET", "/services/data/v99.0/sobjects/Account/describe")).status).toBe(404);
    const global = (await call(emu, "GET", `${API}/sobjects`)).body as { sobjects: { name: string }[] };
    expect(global.sobjects.map((o) => o.name)).toEqual(["Account", "Opportunity"]);
    const limits = await call(emu, "GET", `${API}/limits`);
    expect(limits.body).toEqual({ DailyApiRequests: { Max: 1_000_000, Remaining: 1_000_000 - 4 } });
  });

  it("describe types fields from the data, and always-null custom fields from their names", async () => {
    const { emu } = emulator();
    const r = await call(emu, "GET", `${API}/sobjects/Account/describe`);
    expect(r.status).toBe(200);
    const fields = new Map(
      (
        r.body as { fields: { name: string; type: string; custom: boolean; updateable: boolean }[] }
      ).fields.map((f) => [f.name, f]),
    );
    const types = Object.fromEntries([...fields].map(([k, f]) => [k, f.type]));
    expect(types).toMatchObject({
      Id: "id",
      Name: "string",
      Website: "url",
      ParentId: "reference",
      OwnerId: "reference",
      Type: "picklist",
      Billing_Status__c: "picklist",
      Overdue_Amount__c: "currency",
      ARR__c: "currency",
      Last_Payment_Date__c: "date",
      Health_Score__c: "double",
      SystemModstamp: "datetime",
      IsDeleted: "boolean",
    });
    expect(fields.get("ARR__c")!.custom).toBe(true);
    expect(fields.get("Name")!.custom).toBe(false);
    expect(fields.get("Billing_Status__c")!.updateable).toBe(true);
    expect(fields.get("SystemModstamp")!.updateable).toBe(false);
    const opp = await call(emu, "GET", `${API}/sobjects/Opportunity/describe`);
    const amount = (opp.body as { fields: { name: string; type: string }[] }).fields.find(
      (f) => f.name === "Amount",
    );
    expect(amount?.type).toBe("currency");
    expect((await call(emu, "GET", `${API}/sobjects/Nope__c/describe`)).status).toBe(404);
  });

  it("retrieves one record with attributes; a deleted one is 404", async () => {
    const { emu } = emulator();
    const r = await call(emu, "GET", `${API}/sobjects/Account/001A00000000000001`);
    expect(r.body).toMatchObject({
      attributes: { type: "Account", url: `${API}/sobjects/Account/001A00000000000001` },
      Name: "Account 1",
    });
    const some = await call(emu, "GET", `${API}/sobjects/Account/001A00000000000001?fields=name,ARR__c`);
    expect(some.body).toEqual({
      attributes: { type: "Account", url: `${API}/sobjects/Account/001A00000000000001` },
      Name: "Account 1",
      ARR__c: null,
    });
    expect((await call(emu, "GET", `${API}/sobjects/Account/001A00000000000003`)).status).toBe(404);
  });

  it("evaluates WHERE with AND/OR/parentheses/IN, both datetime literal forms, ORDER BY and LIMIT", async () => {
    const { emu } = emulator();
    const q = (where: string) =>
      soql(emu, `SELECT Id, Name FROM Account WHERE ${where} ORDER BY Id`).then((r) =>
        (r.body as Page).records.map((x) => x.Name),
      );
    expect(
      await q("Name IN ('Account 1', 'Account 2') OR (Type = 'Customer' AND Name = 'Account 9')"),
    ).toEqual(["Account 1", "Account 2", "Account 9"]);
    // Hours 0..49 from 2025-01-01: > 47 h leaves rows 48 and 49; both literal spellings agree.
    const after = await q("SystemModstamp > 2025-01-02T23:00:00Z AND Name != 'Account 49'");
    expect(after).toEqual(["Account 48"]);
    expect(await q("SystemModstamp > 2025-01-02T23:00:00.000+0000 AND Name != 'Account 49'")).toEqual(after);
    expect(await q("Billing_Status__c = null AND ParentId != null")).toEqual([]);
    expect(await q("IsDeleted = false AND Name = 'Account 5'")).toEqual(["Account 5"]);
    const desc = await soql(
      emu,
      "SELECT Id, Amount FROM Opportunity ORDER BY StageName DESC, Amount ASC LIMIT 3",
    );
    expect((desc.body as Page).records.map((x) => x.Amount)).toEqual([1000, 4000, 7000]);
    const lower = await soql(emu, "select id, name from account where NAME = 'Account 5' order by ID");
    expect((lower.body as Page).records).toEqual([
      {
        attributes: { type: "Account", url: `${API}/sobjects/Account/001A00000000000005` },
        Id: "001A00000000000005",
        Name: "Account 5",
      },
    ]);
    expect((desc.body as Page).records[0]).toEqual({
      attributes: { type: "Opportunity", url: `${API}/sobjects/Opportunity/006B00000000000000` },
      Id: "006B00000000000000",
      Amount: 1000,
    });
  });

  it("answers malformed SOQL, unknown fields and unknown objects the way Salesforce does", async () => {
    const { emu } = emulator();
    for (const bad of [
      "SELECT FROM Account",
      "SELECT Id FROM Account WHERE",
      "SELECT Id Account",
      "DROP x",
    ]) {
      const r = await soql(emu, bad);
      expect(r.status, bad).toBe(400);
      expect(errorCode(r), bad).toBe("MALFORMED_QUERY");
    }
    const unknown = await soql(emu, "SELECT Id, Nope__c FROM Account");
    expect(unknown.status).toBe(400);
    expect(errorCode(unknown)).toBe("INVALID_FIELD");
    expect((unknown.body as { message: string }[])[0]!.message).toContain("Nope__c");
    expect(errorCode(await soql(emu, "SELECT Id FROM Account WHERE Nope = 1"))).toBe("INVALID_FIELD");
    expect(errorCode(await soql(emu, "SELECT Id FROM Widget"))).toBe("INVALID_TYPE");
  });

  it("query hides deleted rows, queryAll shows them", async () => {
    const { emu } = emulator();
    const q = "SELECT Id, IsDeleted FROM Account WHERE Name = 'Account 3'";
    expect((await soql(emu, q)).body).toMatchObject({ totalSize: 0, done: true, records: [] });
    expect(((await soql(emu, q, true)).body as Page).records).toEqual([
      expect.objectContaining({ Id: "001A00000000000003", IsDeleted: true }),
    ]);
  });

  it("pages by batchSize (clamped to 200..2000) through snapshot cursors", async () => {
    const { emu, store } = emulator({ accounts: 450 });
    const first = await soql(emu, "SELECT Id, Name FROM Account ORDER BY Id", true, {
      "sforce-query-options": "batchSize=50",
    });
    const p1 = first.body as Page;
    expect(p1).toMatchObject({ totalSize: 450, done: false });
    expect(p1.records).toHaveLength(200);
    expect(p1.nextRecordsUrl).toMatch(/^\/services\/data\/v61\.0\/query\/01g[0-9A-F]+-200$/);
    // An edit after the query started does not show in its later pages.
    store.patch("salesforce", "Account", "001A00000000000300", { Name: "Changed" });
    const seen = [...p1.records];
    let next = p1.nextRecordsUrl;
    while (next) {
      const page = (await call(emu, "GET", next)).body as Page;
      seen.push(...page.records);
      next = page.nextRecordsUrl;
      if (!next) expect(page.done).toBe(true);
    }
    expect(seen.map((r) => r.Id)).toEqual(accounts(450).map((a) => a.Id));
    expect(seen[300]!.Name).toBe("Account 300");
    const bad = await call(emu, "GET", `${API}/query/01gFFFF-200`);
    expect(errorCode(bad)).toBe("INVALID_QUERY_LOCATOR");
  });

  it("keeps 10 open query cursors, releasing the oldest, and expires locators after two days", async () => {
    const { emu, store } = emulator({ accounts: 450 });
    const open = async () =>
      (
        (await soql(emu, "SELECT Id FROM Account", false, { "sforce-query-options": "batchSize=200" }))
          .body as Page
      ).nextRecordsUrl!;
    const urls: string[] = [];
    for (let i = 0; i < 11; i++) urls.push(await open());
    expect(new Set(urls).size).toBe(11);
    expect(errorCode(await call(emu, "GET", urls[0]!))).toBe("INVALID_QUERY_LOCATOR");
    const again = await call(emu, "GET", urls[1]!);
    expect((again.body as Page).records).toHaveLength(200);
    // The same page may be asked for twice (a retry after a cut-off body).
    expect((await call(emu, "GET", urls[1]!)).body).toEqual(again.body);
    store.advance(2 * 86_400_000 + 1000);
    expect(errorCode(await call(emu, "GET", urls[2]!))).toBe("INVALID_QUERY_LOCATOR");
  });

  it("reports API usage on every response and ends in REQUEST_LIMIT_EXCEEDED", async () => {
    const { emu } = emulator({ options: { salesforceDailyApiRequests: 3 } });
    const usage: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(emu, "GET", "/services/data/");
      expect(r.status).toBe(200);
      usage.push(r.headers!["sforce-limit-info"]!);
    }
    expect(usage).toEqual(["api-usage=1/3", "api-usage=2/3", "api-usage=3/3"]);
    const over = await soql(emu, "SELECT Id FROM Account");
    expect(over.status).toBe(403);
    expect(over.body).toEqual([
      { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" },
    ]);
  });

  it("PATCH updates a record and bumps SystemModstamp; unknown and read-only fields are refused", async () => {
    const { emu, store } = emulator();
    const id = "001A00000000000007";
    const before = String(store.get("salesforce", "Account", id)!.SystemModstamp);
    const r = await call(emu, "PATCH", `${API}/sobjects/Account/${id}`, { Billing_Status__c: "overdue" });
    expect(r.status).toBe(204);
    const rec = store.get("salesforce", "Account", id)!;
    expect(rec.Billing_Status__c).toBe("overdue");
    expect(String(rec.SystemModstamp) > before).toBe(true);
    const unknown = await call(emu, "PATCH", `${API}/sobjects/Account/${id}`, { Bogus__c: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual([
      expect.objectContaining({ errorCode: "INVALID_FIELD", fields: ["Bogus__c"] }),
    ]);
    const ro = await call(emu, "PATCH", `${API}/sobjects/Account/${id}`, { SystemModstamp: "x" });
    expect(ro.status).toBe(400);
    expect(JSON.stringify(ro.body)).toContain("SystemModstamp");
  });

  it("collection update: per-record results, allOrNone rolls back, more than 200 records refused", async () => {
    const { emu, store } = emulator({ accounts: 250 });
    const rec = (i: number, extra: Rec) => ({
      attributes: { type: "Account" },
      id: `001A${String(i).padStart(14, "0")}`,
      ...extra,
    });
    const partial = await call(emu, "PATCH", `${API}/composite/sobjects`, {
      allOrNone: false,
      records: [rec(10, { ARR__c: 1200 }), rec(11, { Wrong__c: "x" }), rec(12, { Health_Score__c: 0.5 })],
    });
    expect(partial.status).toBe(200);
    const results = partial.body as { id: string; success: boolean; errors: Rec[] }[];
    expect(results.map((x) => x.success)).toEqual([true, false, true]);
    expect(results[1]!.errors[0]).toMatchObject({ statusCode: "INVALID_FIELD", fields: ["Wrong__c"] });
    expect(store.get("salesforce", "Account", "001A00000000000010")!.ARR__c).toBe(1200);
    expect(store.get("salesforce", "Account", "001A00000000000012")!.Health_Score__c).toBe(0.5);

    const all = await call(emu, "PATCH", `${API}/composite/sobjects`, {
      allOrNone: true,
      records: [rec(20, { ARR__c: 5 }), rec(21, { Wrong__c: "x" })],
    });
    const allResults = all.body as { success: boolean; errors: { statusCode: string }[] }[];
    expect(allResults.map((x) => x.success)).toEqual([false, false]);
    expect(allResults[0]!.errors[0]!.statusCode).toBe("ALL_OR_NONE_OPERATION_ROLLED_BACK");
    expect(store.get("salesforce", "Account", "001A00000000000020")!.ARR__c).toBeNull();

    const missing = await call(emu, "PATCH", `${API}/composite/sobjects`, {
      allOrNone: false,
      records: [
        rec(3, { ARR__c: 1 }),
        { attributes: { type: "Account" }, id: "001A99999999999999", ARR__c: 1 },
        { attributes: { type: "Account" }, id: "not-an-id", ARR__c: 1 },
      ],
    });
    expect(
      (missing.body as { errors: { statusCode: string }[] }[]).map((x) => x.errors[0]!.statusCode),
    ).toEqual(["ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID"]);

    const tooMany = await call(emu, "PATCH", `${API}/composite/sobjects`, {
      allOrNone: false,
      records: Array.from({ length: 201 }, (_, i) => rec(i, { ARR__c: 1 })),
    });
    expect(tooMany.status).toBe(400);
    expect(store.get("salesforce", "Account", "001A00000000000000")!.ARR__c).toBeNull();
  });

  it("throttles with 503 SERVER_UNAVAILABLE and Retry-After, fails with 500 UNKNOWN_EXCEPTION", () => {
    const t = salesforceModule.faults.throttled(7);
    expect(t.status).toBe(503);
    expect(t.headers["retry-after"]).toBe("7");
    expect((t.body as { errorCode: string }[])[0]!.errorCode).toBe("SERVER_UNAVAILABLE");
    const e = salesforceModule.faults.serverError();
    expect(e.status).toBe(500);
    expect((e.body as { errorCode: string }[])[0]!.errorCode).toBe("UNKNOWN_EXCEPTION");
  });

  it("hostile: a block of more than 2,500 records shares one SystemModstamp, across a page boundary", async () => {
    const stamps = (store: MemoryWorldStore) =>
      store.list("salesforce", "Account").map((r) => String(r.SystemModstamp));
    const { emu, store } = emulator({ accounts: 6000, faults: "hostile", seed: 4 });
    const counts = new Map<string, number>();
    for (const s of stamps(store)) counts.set(s, (counts.get(s) ?? 0) + 1);
    const [tie, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    expect(n).toBeGreaterThan(2500);
    // Same seed, same block.
    expect(stamps(emulator({ accounts: 6000, faults: "hostile", seed: 4 }).store)).toEqual(stamps(store));
    expect(stamps(emulator({ accounts: 6000, faults: "none" }).store)).not.toEqual(stamps(store));

    // Reading the tie by (SystemModstamp, Id) with the tie-break cursor covers it exactly once.
    const t = new Date(tie.replace("+0000", "Z")).toISOString();
    const first = (await soql(emu, `SELECT Id FROM Account WHERE SystemModstamp = ${t} ORDER BY Id`, true))
      .body as Page;
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    const lastId = String(first.records.at(-1)!.Id);
    const rest = (
      await soql(
        emu,
        `SELECT Id FROM Account WHERE (SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > '${lastId}')) ORDER BY SystemModstamp, Id`,
        true,
      )
    ).body as Page;
    const restTie = rest.records.filter(
      (r) => store.get("salesforce", "Account", String(r.Id))!.SystemModstamp === tie,
    );
    expect(first.records.length + restTie.length).toBe(n);
  });
});

describe("salesforce emulator with jsforce, unchanged", () => {
  let dir: string;
  let sb: RunningSandbox;
  const conn = (s: RunningSandbox = sb) =>
    new jsforce.Connection({
      instanceUrl: s.env.SALESFORCE_INSTANCE_URL,
      accessToken: s.env.SALESFORCE_ACCESS_TOKEN,
      version: "61.0",
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "trueup-sf-"));
    await generateWorld({ seed: 21, scale: 0.05, out: dir });
    const store = MemoryWorldStore.load(dir);
    // Enough Contacts for three pages of 2,000: jsforce must follow nextRecordsUrl.
    padContacts(store, 4200);
    sb = await startSandbox({ store, worldDir: dir, port: 0 });
  });
  afterAll(async () => {
    await sb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("query with autoFetch reads every page in order", async () => {
    const r = await conn().query<{ Id: string }>("SELECT Id, LastName FROM Contact ORDER BY Id", {
      autoFetch: true,
      maxFetch: 100_000,
    });
    const want = sb.store
      .list("salesforce", "Contact")
      .map((c) => String(c.Id))
      .sort((a, b) => (a < b ? -1 : 1));
    expect(r.totalSize).toBe(4200);
    expect(r.records.map((x) => x.Id)).toEqual(want);
    const more = sb.requestLog.filter(
      (x) => x.system === "salesforce" && /\/query\/01g[0-9A-F]+-\d+$/.test(x.path),
    );
    expect(more).toHaveLength(2);
  });

  it("describe, retrieve, update, and a collection update with one bad record", async () => {
    const c = conn();
    const d = await c.sobject("Account").describe();
    const byName = new Map(d.fields.map((f) => [f.name, f]));
    expect(byName.get("Billing_Status__c")).toMatchObject({ custom: true, updateable: true });
    expect(byName.get("Overdue_Amount__c")?.type).toBe("currency");
    const [a, b] = sb.store.list("salesforce", "Account").filter((x) => x.IsDeleted !== true);
    const idA = String(a!.Id);
    const idB = String(b!.Id);
    const got = (await c.sobject("Account").retrieve(idA)) as Rec;
    expect(got.Name).toBe(a!.Name);
    const one = await c.sobject("Account").update({ Id: idA, Name: "Renamed Inc." });
    expect(one).toMatchObject({ success: true, id: idA });
    const res = await c.sobject("Account").update(
      [
        { Id: idB, Billing_Status__c: "current", Overdue_Amount__c: 0 },
        { Id: idA, No_Such_Field__c: 1 },
      ],
      { allOrNone: false },
    );
    expect(res.map((x) => x.success)).toEqual([true, false]);
    const failed = res[1] as { errors: { errorCode?: string; statusCode?: string; fields?: string[] }[] };
    expect(failed.errors[0]).toMatchObject({ fields: ["No_Such_Field__c"] });
    expect(JSON.stringify(failed.errors)).toContain("INVALID_FIELD");
    expect(sb.store.get("salesforce", "Account", idB)).toMatchObject({
      Billing_Status__c: "current",
      Overdue_Amount__c: 0,
    });
    expect(sb.store.get("salesforce", "Account", idA)!.Name).toBe("Renamed Inc.");
    const composite = sb.requestLog.filter((x) => x.path.endsWith("/composite/sobjects"));
    expect(composite.map((x) => x.method)).toEqual(["PATCH"]);
  });

  it("queryAll (scanAll) sees a record deleted through the admin surface; query does not", async () => {
    const id = String(sb.store.list("salesforce", "Opportunity")[0]!.Id);
    const del = await fetch(`${sb.urls.salesforce}/__sandbox/salesforce/Opportunity/${id}`, {
      method: "DELETE",
    });
    expect(del.ok).toBe(true);
    const q = `SELECT Id, IsDeleted FROM Opportunity WHERE Id = '${id}'`;
    expect((await conn().query(q)).totalSize).toBe(0);
    expect((await conn().query(q, { scanAll: true })).records[0]).toMatchObject({ Id: id, IsDeleted: true });
  });

  it("malformed SOQL rejects with MALFORMED_QUERY; the quota ends in REQUEST_LIMIT_EXCEEDED", async () => {
    await expect(conn().query("SELECT Id FROM Account WHERE")).rejects.toMatchObject({
      errorCode: "MALFORMED_QUERY",
    });
    const tight = await startSandbox({ worldDir: dir, port: 0, options: { salesforceDailyApiRequests: 2 } });
    try {
      const c = conn(tight);
      await c.query("SELECT Id FROM Account LIMIT 1");
      await c.query("SELECT Id FROM Account LIMIT 1");
      await expect(c.query("SELECT Id FROM Account LIMIT 1")).rejects.toMatchObject({
        errorCode: "REQUEST_LIMIT_EXCEEDED",
      });
    } finally {
      await tight.close();
    }
  });
});
