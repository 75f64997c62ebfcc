import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { extractAll, sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";

/** Staging table and world file per API stream, and which world records the API shows. */
const STREAMS: { table: string; file: string; live?: (r: Record<string, unknown>) => boolean }[] = [
  { table: "salesforce__account", file: "salesforce/Account.jsonl" },
  { table: "salesforce__contact", file: "salesforce/Contact.jsonl" },
  { table: "salesforce__opportunity", file: "salesforce/Opportunity.jsonl" },
  { table: "stripe__customers", file: "stripe/customers.jsonl", live: (r) => r.deleted !== true },
  { table: "stripe__subscriptions", file: "stripe/subscriptions.jsonl" },
  { table: "stripe__invoices", file: "stripe/invoices.jsonl" },
  { table: "stripe__charges", file: "stripe/charges.jsonl" },
  { table: "stripe__refunds", file: "stripe/refunds.jsonl" },
  { table: "stripe__credit_notes", file: "stripe/credit_notes.jsonl" },
  { table: "stripe__invoice_payments", file: "stripe/invoice_payments.jsonl" },
  { table: "netsuite__customer", file: "netsuite/customer.jsonl" },
  { table: "netsuite__transaction", file: "netsuite/transaction.jsonl" },
  { table: "netsuite__transactionline", file: "netsuite/transactionline.jsonl" },
  { table: "netsuite__currency", file: "netsuite/currency.jsonl" },
  { table: "zendesk__organizations", file: "zendesk/organizations.jsonl" },
  { table: "zendesk__tickets", file: "zendesk/tickets.jsonl" },
];

async function counts(t: TestDatabase): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of STREAMS) {
    const [r] = await t.warehouse.query<{ n: string }>(`SELECT count(*) AS n FROM staging.${s.table}`);
    out[s.table] = Number(r!.n);
  }
  return out;
}

describe("API extract through the sandbox", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  beforeAll(async () => {
    w = await sandboxWorld(13, 0.3);
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  it("the first extract brings every record of every stream", async () => {
    const outcomes = await extractAll(t.warehouse, w, "first");
    // The run reports each source's requests: exactly what the vendor APIs served.
    for (const system of ["salesforce", "stripe", "netsuite", "zendesk"]) {
      const served = w.sandbox.requestLog.filter((r) => r.system === system).length;
      const reported = Math.max(...outcomes.filter((o) => o.source === system).map((o) => o.requests ?? 0));
      expect([system, reported]).toEqual([system, served]);
    }
    const want = Object.fromEntries(
      STREAMS.map((s) => [s.table, w.jsonl(s.file).filter(s.live ?? (() => true)).length]),
    );
    expect(await counts(t)).toEqual(want);
    // Ids and codes made of digits stay text (no 8.2158e+17).
    const [acc] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM staging.salesforce__account WHERE account_number__c !~ '^0'`,
    );
    expect(Number(acc!.n)).toBe(0);
  });

  it("after 10 edits, a second extract reads only what changed and staging shows the new values", async () => {
    const admin = (system: string, object: string, id: unknown, patch: object) =>
      fetch(`${w.sandbox.urls.stripe}/__sandbox/${system}/${object}/${String(id)}`, {
        method: "PATCH",
        body: JSON.stringify(patch),
      }).then((r) => expect(r.status).toBe(200));
    const accounts = w.jsonl("salesforce/Account.jsonl").slice(0, 3);
    const customers = w
      .jsonl("stripe/customers.jsonl")
      .filter((c) => c.deleted !== true)
      .slice(0, 3);
    const orgs = w.jsonl("zendesk/organizations.jsonl").slice(0, 2);
    const txns = w.jsonl("netsuite/transaction.jsonl").slice(0, 2);
    for (const a of accounts)
      await admin("salesforce", "Account", a.Id, { Name: `${String(a.Name)} (edited)` });
    for (const c of customers)
      await admin("stripe", "customers", c.id, { email: `edited-${String(c.id)}@example.com` });
    for (const o of orgs) await admin("zendesk", "organizations", o.id, { notes: "edited" });
    for (const x of txns) await admin("netsuite", "transaction", x.id, { memo: "edited" });
    // Zendesk exports only what changed more than a minute ago.
    w.sandbox.store.advance(120_000);
    w.sandbox.requestLog.length = 0;
    const out = await extractAll(t.warehouse, w, "second");
    const rows = (s: string) => out.find((o) => `${o.source}.${o.stream}` === s)?.rows ?? 0;
    expect(rows("salesforce.Account")).toBe(3);
    // The time-based export restarts at the last page's second, so that record comes once more.
    expect(rows("zendesk.organizations")).toBeGreaterThanOrEqual(2);
    expect(rows("zendesk.organizations")).toBeLessThanOrEqual(3);
    expect(rows("netsuite.transaction")).toBe(2);
    // Stripe: the edits arrive as events; no list is read from the beginning again.
    const lists = w.sandbox.requestLog.filter((r) => r.system === "stripe" && r.path !== "/v1/events");
    expect(lists.every((r) => r.query["created[gte]"] !== undefined)).toBe(true);
    const notes = await t.warehouse.query<{ notes: string }>(
      `SELECT notes FROM staging.zendesk__organizations WHERE id = ANY($1)`,
      [orgs.map((o) => o.id)],
    );
    expect(notes.map((n) => n.notes)).toEqual(["edited", "edited"]);
    const names = await t.warehouse.query<{ name: string }>(
      `SELECT name FROM staging.salesforce__account WHERE id = ANY($1)`,
      [accounts.map((a) => a.Id)],
    );
    expect(names.every((n) => n.name.endsWith("(edited)"))).toBe(true);
    const emails = await t.warehouse.query<{ email: string }>(
      `SELECT email FROM staging.stripe__customers WHERE id = ANY($1)`,
      [customers.map((c) => c.id)],
    );
    expect(emails.map((e) => e.email).sort()).toEqual(
      customers.map((c) => `edited-${String(c.id)}@example.com`).sort(),
    );
  });

  it("deletes reach staging as tombstones (Stripe events, Salesforce queryAll)", async () => {
    const c = w.jsonl("stripe/customers.jsonl").filter((x) => x.deleted !== true)[5]!;
    const o = w.jsonl("salesforce/Opportunity.jsonl")[5]!;
    await fetch(`${w.sandbox.urls.stripe}/__sandbox/stripe/customers/${String(c.id)}`, { method: "DELETE" });
    await fetch(`${w.sandbox.urls.stripe}/__sandbox/salesforce/Opportunity/${String(o.Id)}`, {
      method: "DELETE",
    });
    await extractAll(t.warehouse, w, "third");
    const [sc] = await t.warehouse.query<{ d: boolean; email: string }>(
      `SELECT _trueup_deleted AS d, email FROM staging.stripe__customers WHERE id = $1`,
      [c.id],
    );
    expect(sc).toEqual({ d: true, email: c.email });
    const [so] = await t.warehouse.query<{ d: boolean }>(
      `SELECT _trueup_deleted AS d FROM staging.salesforce__opportunity WHERE id = $1`,
      [o.Id],
    );
    expect(so?.d).toBe(true);
  });
});

describe("API extract under the hostile fault profile", () => {
  it("ends with staging equal to what the vendors hold, row for row", async () => {
    const w = await sandboxWorld(17, 0.1, { faults: "hostile", faultSeed: 3 });
    const t = await createTestDatabase();
    try {
      // Retries are the point here; keep backoff short so the test stays quick.
      for (const s of ["salesforce", "stripe", "netsuite", "zendesk"] as const) {
        const cfg = w.config.sources[s]!;
        cfg.maxRetries = 12;
      }
      await extractAll(t.warehouse, w, "hostile");
      const store = w.sandbox.store;
      const pairs: [string, string, string, string][] = [
        ["salesforce", "Contact", "salesforce__contact", "Id"],
        ["salesforce", "Account", "salesforce__account", "Id"],
        ["stripe", "invoices", "stripe__invoices", "id"],
        ["stripe", "charges", "stripe__charges", "id"],
        ["netsuite", "transaction", "netsuite__transaction", "id"],
        ["zendesk", "organizations", "zendesk__organizations", "id"],
        ["zendesk", "tickets", "zendesk__tickets", "id"],
      ];
      for (const [system, object, table, idField] of pairs) {
        const want = store
          .list(system as never, object)
          .filter((r) => r.deleted !== true)
          .map((r) => String(r[idField]))
          .sort();
        const got = (
          await t.warehouse.query<{ id: string }>(`SELECT CAST(id AS text) AS id FROM staging.${table}`)
        )
          .map((r) => r.id)
          .sort();
        expect(got, `${system}.${object}`).toEqual(want);
      }
      const faults = w.sandbox.requestLog.filter(
        (r) => r.status === -1 || r.status === 429 || r.status >= 500,
      );
      expect(faults.length).toBeGreaterThan(3);
      // Pages served twice happened too, and their duplicates merged away.
      expect(w.sandbox.requestLog.filter((r) => r.replayed).length).toBeGreaterThan(0);
    } finally {
      await t.drop();
      await w.close();
    }
  });
});
