import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { MemoryWorldStore } from "../../sandbox/emulators/store.js";
import { NETSUITE_FIELDS } from "../../sandbox/world/reference/netsuite-fields.js";
import { SALESFORCE_FIELDS } from "../../sandbox/world/reference/salesforce-fields.js";
import { ZENDESK_FIELDS } from "../../sandbox/world/reference/zendesk-fields.js";
import {
  STRIPE_ACACIA_API_VERSION as ACACIA,
  STRIPE_WORLD_API_VERSION as CLOVER,
  stripeFields,
  stripeNested,
  type StripeShape,
} from "../../sandbox/world/stripe-records.js";
import { runExtract } from "../../extract/run-extract.js";
import { sandboxWorld, silentLog, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { STRIPE_OBJECT_OF_FILE as STRIPE_RESOURCES } from "../helpers/stripe-objects.js";

type Rec = Record<string, unknown>;

/**
 * Where `v` (anything at `at`) departs from `shape`: an object whose keys are not the shape's
 * (its optional keys aside), recursively into the keys and array items the shape describes; an
 * object where the snapshot has none (a map with no fixed keys, `object` or `metadata`, aside).
 */
function shapeErrors(shape: StripeShape | undefined, v: unknown, at: string, out: string[]): string[] {
  if (v === null || typeof v !== "object") return out;
  if (Array.isArray(v)) {
    if (typeof shape === "object" && "array" in shape)
      v.forEach((x, i) => shapeErrors(shape.array, x, `${at}[${i}]`, out));
    return out;
  }
  if (shape === "object") return out;
  if (typeof shape !== "object" || !("object" in shape)) {
    out.push(`${at}: an object where the snapshot has ${String(shape)}`);
    return out;
  }
  const rec = v as Rec;
  const want = Object.keys(shape.object);
  const optional = Object.keys(shape.optional ?? {}).filter((k) => k in rec);
  const keys = Object.keys(rec).sort();
  if (keys.join() !== [...want, ...optional].sort().join())
    out.push(`${at}: keys ${keys.join()} where the snapshot has ${[...want, ...optional].sort().join()}`);
  for (const k of keys)
    if (k !== "metadata") shapeErrors(shape.object[k] ?? shape.optional?.[k], rec[k], `${at}.${k}`, out);
  return out;
}

/** A Stripe record's departures from its object's nested shapes in `version`, its lists' items too. */
function recordShapeErrors(version: string, object: string, r: Rec, out: string[] = []): string[] {
  const nested = stripeNested(version, object);
  for (const [name, kind] of Object.entries(stripeFields(version, object))) {
    const at = `${version} ${object} ${String(r.id)}.${name}`;
    if (kind === "list") {
      const item = { items: "subscription_item", lines: "line_item" }[name];
      for (const x of (r[name] as { data?: Rec[] } | null)?.data ?? [])
        if (item) recordShapeErrors(version, item, x, out);
        else shapeErrors(undefined, x, at, out);
    } else if (name !== "metadata") shapeErrors(nested[name] ?? kind, r[name], at, out);
  }
  return out;
}

/** Fields Stripe returns as an object on every record of the object, in both versions. */
const ALWAYS_OBJECTS: Record<string, string[]> = {
  customer: ["invoice_settings"],
  subscription: [
    "automatic_tax",
    "cancellation_details",
    "invoice_settings",
    "payment_settings",
    "trial_settings",
  ],
  subscription_item: ["price", "plan"],
  invoice: ["automatic_tax", "issuer", "payment_settings", "status_transitions"],
  line_item: ["period"],
  charge: ["billing_details", "outcome", "payment_method_details"],
  refund: ["destination_details"],
};

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

  it("Stripe's nested objects have the keys of Stripe's fixtures, recursively, in both versions", async () => {
    const { apiBase, apiKey } = w.credentials.stripe!;
    const listAll = async (resource: string, version: string) => {
      const out: Rec[] = [];
      for (let after = ""; ;) {
        const q = `limit=100${resource === "subscriptions" ? "&status=all" : ""}${after && `&starting_after=${after}`}`;
        const res = await fetch(`${apiBase}/v1/${resource}?${q}`, {
          headers: { authorization: `Bearer ${apiKey}`, "stripe-version": version },
        });
        expect(res.status, resource).toBe(200);
        const body = (await res.json()) as { data: Rec[]; has_more: boolean };
        out.push(...body.data);
        if (!body.has_more) return out;
        after = String(body.data.at(-1)!.id);
      }
    };
    for (const version of [CLOVER, ACACIA]) {
      const errors: string[] = [];
      const byObject = new Map<string, Rec[]>();
      for (const [resource, object] of Object.entries(STRIPE_RESOURCES)) {
        if (resource === "invoice_payments" && version === ACACIA) continue;
        const rows = await listAll(resource, version);
        expect(rows.length, `${version} ${resource}`).toBeGreaterThan(0);
        byObject.set(object, rows);
        for (const r of rows) recordShapeErrors(version, object, r, errors);
      }
      byObject.set(
        "subscription_item",
        byObject.get("subscription")!.flatMap((s) => (s.items as { data: Rec[] }).data),
      );
      byObject.set(
        "line_item",
        byObject.get("invoice")!.flatMap((i) => (i.lines as { data: Rec[] }).data),
      );
      expect(new Set(errors.map((e) => e.replace(/ \S+_\w+\./, " ."))), version).toEqual(new Set());
      // The fields every record has as an object are objects, with the snapshot's shape for them.
      for (const [object, fields] of Object.entries(ALWAYS_OBJECTS))
        for (const f of fields) {
          expect(typeof stripeNested(version, object)[f], `${version} ${object}.${f}`).toBe("object");
          const rows = byObject.get(object)!;
          expect(rows.length, object).toBeGreaterThan(0);
          expect(
            rows.filter((r) => typeof r[f] !== "object" || r[f] === null).map((r) => r.id),
            `${object}.${f}`,
          ).toEqual([]);
        }
      // Deep objects filled, with the world's values where it has them.
      const customers = new Map(byObject.get("customer")!.map((c) => [c.id, c]));
      for (const ch of byObject.get("charge")!) {
        const billing = ch.billing_details as Rec;
        expect(billing.email).toBe(customers.get(ch.customer)!.email);
        expect(Object.keys(billing.address as Rec).sort()).toEqual([
          "city",
          "country",
          "line1",
          "line2",
          "postal_code",
          "state",
        ]);
        expect((ch.outcome as Rec).type).toBe(ch.status === "succeeded" ? "authorized" : "issuer_declined");
        const card = (ch.payment_method_details as { type: string; card: Rec }).card;
        expect([(ch.payment_method_details as Rec).type, (card.checks as Rec).cvc_check]).toEqual([
          "card",
          "pass",
        ]);
      }
      const invoices = byObject.get("invoice")!;
      for (const i of invoices) {
        const st = i.status_transitions as Record<string, number | null>;
        expect([i.id, st.paid_at !== null]).toEqual([i.id, i.status === "paid"]);
        expect([i.id, st.finalized_at !== null]).toEqual([i.id, i.status !== "draft"]);
        expect((i.issuer as Rec).type).toBe("self");
      }
      expect(invoices.some((i) => i.status === "paid")).toBe(true);
      for (const it of byObject.get("subscription_item")!) {
        const [price, plan] = [it.price as Rec, it.plan as Rec];
        expect([plan.id, plan.amount, plan.interval]).toEqual([
          price.id,
          price.unit_amount,
          (price.recurring as Rec).interval,
        ]);
      }
      if (version === CLOVER)
        for (const p of byObject.get("invoice_payment")!)
          expect(Object.keys(p.payment as Rec).sort()).toEqual(["payment_intent", "type"]);
    }
    // Acacia's fixture has no example of these two (null there): the world's objects have clover's keys.
    const fixtureNull = Object.entries(ALWAYS_OBJECTS)
      .flatMap(([o, fields]) => fields.map((f) => [o, f]))
      .concat([["invoice", "rendering"]])
      .filter(([o, f]) => stripeFields(ACACIA, o!)[f!] === "null")
      .map(([o, f]) => `${o}.${f}`);
    expect(fixtureNull).toEqual(["charge.outcome", "invoice.rendering"]);
    // The snapshot takes an expandable reference as an id, as the API returns it unexpanded.
    expect(stripeNested(CLOVER, "credit_note").refunds).toMatchObject({
      array: { object: { refund: "id" } },
    });
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

describe("Stripe's full records in staging", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  beforeAll(async () => {
    w = await sandboxWorld(23, 0.05);
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  it("flatten nested objects to two levels, deeper ones as JSON, well inside the column limit, payloads whole", async () => {
    const outcomes = await runExtract({
      warehouse: t.warehouse,
      config: w.config,
      credentials: w.credentials,
      runId: "full-records-stripe",
      log: silentLog,
      selection: ["stripe"],
    });
    expect(outcomes.filter((o) => o.status !== "succeeded")).toEqual([]);
    const cols = await t.warehouse.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'staging' AND table_name LIKE 'stripe\\_\\_%'`,
    );
    const byTable = new Map<string, Map<string, string>>();
    for (const c of cols) {
      if (!byTable.has(c.table_name)) byTable.set(c.table_name, new Map());
      byTable.get(c.table_name)!.set(c.column_name, c.data_type);
    }
    const counts = Object.fromEntries([...byTable].map(([name, m]) => [name, m.size]));
    // The widest (invoices, charges) stay far below Postgres's 1,600 columns.
    for (const [name, n] of Object.entries(counts)) expect([name, n < 400]).toEqual([name, true]);
    expect(Object.keys(counts).sort()).toEqual(
      Object.keys(STRIPE_RESOURCES)
        .map((r) => `stripe__${r}`)
        .sort(),
    );
    const ch = byTable.get("stripe__charges")!;
    expect([
      ch.get("outcome__type"),
      ch.get("billing_details__email"),
      ch.get("payment_method_details__type"),
    ]).toEqual(["text", "text", "text"]);
    expect([
      ch.get("payment_method_details__card__brand"),
      ch.get("payment_method_details__card__checks"),
      ch.get("billing_details__address__city"),
    ]).toEqual(["text", "jsonb", "text"]);
    const inv = byTable.get("stripe__invoices")!;
    expect([
      inv.get("status_transitions__paid_at"),
      inv.get("automatic_tax__enabled"),
      inv.get("issuer__type"),
    ]).toEqual(["bigint", "boolean", "text"]);
    const [notes] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM trueup.rejects WHERE source = 'stripe'`,
    );
    expect(Number(notes!.n)).toBe(0);

    const world = new Map(w.jsonl("stripe/charges.jsonl").map((r) => [String(r.id), r]));
    const staged = await t.warehouse.query<{
      id: string;
      p: Rec;
      email: string | null;
      brand: string | null;
    }>(
      `SELECT id, _trueup_payload AS p, billing_details__email AS email,
              payment_method_details__card__brand AS brand FROM staging.stripe__charges`,
    );
    expect(staged.length).toBe(world.size);
    for (const s of staged) {
      expect(s.p).toEqual(world.get(s.id));
      expect([s.email, s.brand]).toEqual([(world.get(s.id)!.billing_details as Rec).email, "visa"]);
    }
    const [paid] = await t.warehouse.query<{ n: string; wrong: string }>(
      `SELECT count(*) FILTER (WHERE status = 'paid') AS n,
              count(*) FILTER (WHERE (status = 'paid') <> (status_transitions__paid_at IS NOT NULL)) AS wrong
         FROM staging.stripe__invoices`,
    );
    expect(Number(paid!.n)).toBeGreaterThan(0);
    expect(Number(paid!.wrong)).toBe(0);
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
