import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { MemoryWorldStore } from "../../sandbox/emulators/store.js";
import { NETSUITE_FIELDS } from "../../sandbox/world/reference/netsuite-fields.js";
import { SALESFORCE_FIELDS } from "../../sandbox/world/reference/salesforce-fields.js";
import { ZENDESK_FIELDS } from "../../sandbox/world/reference/zendesk-fields.js";
import { runExtract } from "../../extract/run-extract.js";
import { sandboxWorld, silentLog, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

type Rec = Record<string, unknown>;

describe("world records carry every field the vendor returns", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  beforeAll(async () => {
    w = await sandboxWorld(17, 0.05);
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  it("each Salesforce and Zendesk record's fields are its object's field list, in order", () => {
    const want: [string, string[]][] = [
      ...(["Account", "Contact", "Opportunity"] as const).map((o): [string, string[]] => [
        `salesforce/${o}.jsonl`,
        [...Object.keys(SALESFORCE_FIELDS[o].standard), ...Object.keys(SALESFORCE_FIELDS[o].custom)],
      ]),
      ["zendesk/tickets.jsonl", [...ZENDESK_FIELDS.tickets]],
      ["zendesk/organizations.jsonl", [...ZENDESK_FIELDS.organizations]],
    ];
    for (const [file, fields] of want) {
      const rows = w.jsonl(file);
      expect(rows.length, file).toBeGreaterThan(0);
      for (const r of rows) expect([file, Object.keys(r)]).toEqual([file, fields]);
    }
    // The Salesforce Account object has some 60 standard fields, a ticket some 40.
    expect(Object.keys(SALESFORCE_FIELDS.Account.standard).length).toBeGreaterThanOrEqual(55);
    expect(ZENDESK_FIELDS.tickets.length).toBeGreaterThanOrEqual(35);
  });

  it("NetSuite rows hold the table's columns that have a value, as strings, in column order, and links", () => {
    for (const [table, columns] of Object.entries(NETSUITE_FIELDS)) {
      const rows = w.jsonl(`netsuite/${table}.jsonl`);
      expect(rows.length, table).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const r of rows) {
        const keys = Object.keys(r);
        expect(keys.at(-1)).toBe("links");
        expect(r.links).toEqual([]);
        const cols = keys.slice(0, -1);
        // A subsequence of the column list: nothing outside it, nothing out of order.
        expect([table, cols]).toEqual([table, columns.filter((c) => cols.includes(c))]);
        for (const c of cols) {
          expect([table, c, typeof r[c]]).toEqual([table, c, "string"]);
          expect(r[c]).not.toBe("");
          seen.add(c);
        }
      }
      // Most of the table's columns are filled somewhere: the rows are not the thin few of before.
      expect(seen.size / columns.length, table).toBeGreaterThan(0.7);
    }
  });

  it("unset standard fields are null, nested objects and arrays of objects are there", () => {
    const accounts = w.jsonl("salesforce/Account.jsonl");
    expect(accounts.every((a) => a.Description === null)).toBe(true);
    const withAddress = accounts.filter((a) => a.BillingAddress !== null);
    expect(withAddress.length).toBeGreaterThan(0);
    expect(accounts.length - withAddress.length).toBeGreaterThan(0);
    for (const a of withAddress) {
      const addr = a.BillingAddress as Rec;
      expect([addr.city, addr.street, addr.country]).toEqual([
        a.BillingCity,
        a.BillingStreet,
        a.BillingCountry,
      ]);
    }
    const tickets = w.jsonl("zendesk/tickets.jsonl");
    for (const tk of tickets) {
      expect(Array.isArray(tk.custom_fields)).toBe(true);
      expect((tk.custom_fields as Rec[]).every((f) => typeof f.id === "number" && "value" in f)).toBe(true);
      expect(typeof (tk.via as Rec).channel).toBe("string");
      expect(typeof (tk.satisfaction_rating as Rec).score).toBe("string");
      expect(tk.generated_timestamp).toBe(Math.floor(Date.parse(String(tk.updated_at)) / 1000));
    }
    expect(tickets.some((tk) => (tk.via as Rec).channel === "email")).toBe(true);
  });

  it("staging flattens the deep records to two levels, keeps deeper objects and arrays as JSON, and the payload whole", async () => {
    const outcomes = await runExtract({
      warehouse: t.warehouse,
      config: w.config,
      credentials: w.credentials,
      runId: "full-records",
      log: silentLog,
      selection: ["salesforce", "zendesk", "netsuite"],
    });
    expect(outcomes.filter((o) => o.status !== "succeeded")).toEqual([]);
    const columns = async (table: string) =>
      new Map(
        (
          await t.warehouse.query<{ column_name: string; data_type: string }>(
            `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = $1`,
            [table],
          )
        ).map((c) => [c.column_name, c.data_type]),
      );
    const tk = await columns("zendesk__tickets");
    expect(tk.get("via__channel")).toBe("text");
    expect(tk.get("via__source__from")).toBe("jsonb");
    expect(tk.get("satisfaction_rating__score")).toBe("text");
    expect(tk.get("custom_fields")).toBe("jsonb");
    expect(tk.get("generated_timestamp")).toBe("bigint");
    const acc = await columns("salesforce__account");
    // Declared by describe, so a field null in every record still gets its column and type.
    expect(acc.get("description")).toBe("text");
    expect(acc.get("number_of_employees")).toBe("bigint");
    expect(acc.get("annual_revenue")).toBe("numeric");
    expect(acc.get("billing_address__city")).toBe("text");
    expect(acc.get("billing_city")).toBe("text");
    for (const name of [...tk.keys(), ...acc.keys()]) expect(name.length).toBeLessThanOrEqual(63);

    // Every world record is staged with its payload equal to what the vendor returned.
    const world = new Map(w.jsonl("zendesk/tickets.jsonl").map((r) => [String(r.id), r]));
    const staged = await t.warehouse.query<{ id: string; p: Rec; address: string | null }>(
      `SELECT id::text AS id, _trueup_payload AS p, via__source__from->>'address' AS address FROM staging.zendesk__tickets`,
    );
    expect(staged.length).toBe(world.size);
    for (const s of staged) expect(s.p).toEqual(world.get(s.id));
    const emailed = staged.filter((s) => (world.get(s.id)!.via as Rec).channel === "email");
    for (const s of emailed)
      expect(s.address).toBe((((world.get(s.id)!.via as Rec).source as Rec).from as Rec).address);
    const [billing] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM staging.salesforce__account
        WHERE billing_address__city IS DISTINCT FROM billing_city OR description IS NOT NULL`,
    );
    expect(Number(billing!.n)).toBe(0);
    const [ns] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM staging.netsuite__transaction WHERE abbrevtype IS NULL OR posting IS NULL`,
    );
    expect(Number(ns!.n)).toBe(0);
  });
});

describe("the Salesforce emulator's describe lists the standard fields", () => {
  let w: SandboxWorld;
  let old: RunningSandbox;
  const conn = (s: RunningSandbox) =>
    new jsforce.Connection({
      instanceUrl: s.env.SALESFORCE_INSTANCE_URL,
      accessToken: s.env.SALESFORCE_ACCESS_TOKEN,
      version: "61.0",
    });
  beforeAll(async () => {
    w = await sandboxWorld(5, 0.05);
    // A world written before the records were full: no Description or Jigsaw key at all.
    const store = MemoryWorldStore.load(w.dir);
    store.setTable(
      "salesforce",
      "Account",
      store.list("salesforce", "Account").map((a) => {
        const { Description: _d, Jigsaw: _j, ...rest } = a;
        return rest;
      }),
    );
    old = await startSandbox({ store, port: 0 });
  });
  afterAll(async () => {
    await old?.close();
    await w?.close();
  });

  it("jsforce updates Description on accounts that never set it and reads it back", async () => {
    for (const s of [w.sandbox, old]) {
      const c = conn(s);
      const d = await c.sobject("Account").describe();
      const byName = new Map(d.fields.map((f) => [f.name, f]));
      for (const [name, type] of Object.entries(SALESFORCE_FIELDS.Account.standard))
        expect([name, byName.get(name)?.type]).toEqual([name, type]);
      expect(byName.get("Description")?.updateable).toBe(true);
      expect(byName.get("Description")?.length).toBe(32_000);
      expect(byName.get("BillingAddress")?.updateable).toBe(false);
      const ids = s.store
        .list("salesforce", "Account")
        .filter((a) => a.IsDeleted !== true)
        .slice(0, 3)
        .map((a) => String(a.Id));
      // SELECT of a standard field null everywhere (or absent from the world) is null, not INVALID_FIELD.
      const before = await c.query<{ Id: string; Description: unknown; Jigsaw: unknown }>(
        `SELECT Id, Description, Jigsaw FROM Account WHERE Id IN ('${ids.join("','")}')`,
      );
      expect(before.records.map((r) => [r.Description, r.Jigsaw])).toEqual(ids.map(() => [null, null]));
      const res = await c
        .sobject("Account")
        .update(ids.map((Id, i) => ({ Id, Description: `Key account ${i}: renewal in Q1` })));
      expect(res.map((r) => r.success)).toEqual(ids.map(() => true));
      const back = await Promise.all(
        ids.map(async (id) => (await c.sobject("Account").retrieve(id)) as unknown as Rec),
      );
      expect(back.map((r) => r.Description)).toEqual(ids.map((_, i) => `Key account ${i}: renewal in Q1`));
      const after = await c.query<{ Description: unknown }>(
        `SELECT Description FROM Account WHERE Id IN ('${ids.join("','")}') ORDER BY Id`,
      );
      expect(after.records.map((r) => r.Description).sort()).toEqual(
        ids.map((_, i) => `Key account ${i}: renewal in Q1`).sort(),
      );
      const other = s.store.list("salesforce", "Account").find((a) => !ids.includes(String(a.Id)));
      expect(other?.Description ?? null).toBeNull();
    }
  });
});
