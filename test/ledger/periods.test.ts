import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { closeStatus, explain, signoff, type LedgerContext } from "../../reconcile/ledger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * A discrepancy is dated by its document (the invoice, payment, refund or credit note date the
 * canonical model holds), not by the run that found it: an October invoice found in December
 * blocks October's sign-off. Categories with no document date fall back to the as-of's month.
 */
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ reconciliation: { materiality: 25 } });

const fromDocs = (category: string, kind: string): RuleFamily["rules"][number] => ({
  category,
  description: category,
  sql: (ctx) => `
    SELECT key, 'c1' AS customer_id, 'us' AS entity, 'stripe' AS left_system, amount::text AS left_value,
           'netsuite' AS right_system, NULL::text AS right_value, NULL::numeric AS delta, 'USD' AS currency,
           amount AS amount_reporting, jsonb_build_object('number', key) AS detail
      FROM ${ctx.ref("t.docs")} WHERE kind = '${kind}'`,
});

const family: RuleFamily = {
  name: "dated",
  description: "Test family.",
  rules: [
    fromDocs("invoice_missing_in_erp", "invoice"),
    fromDocs("credit_note_missing_in_erp", "credit_note"),
    fromDocs("duplicate_customer", "customer"),
  ],
};

let t: TestDatabase;
const ctx = (): LedgerContext => ({ warehouse: t.warehouse, config });

beforeAll(async () => {
  t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA t`);
  await t.warehouse.query(`CREATE TABLE t.docs (key text, kind text, amount numeric)`);
  await t.warehouse.query(
    `INSERT INTO t.docs VALUES ('stripe:in_oct', 'invoice', 500), ('stripe:in_dec', 'invoice', 300),
       ('stripe:in_gone', 'invoice', 200), ('stripe:cn_sep', 'credit_note', 80), ('stripe:cus_1', 'customer', NULL)`,
  );
  // What the canonical models hold of those documents (in_gone: no longer in the model).
  await t.warehouse.query(`CREATE SCHEMA canonical`);
  await t.warehouse.query(`CREATE TABLE canonical.invoice (invoice_key text, invoice_date date)`);
  await t.warehouse.query(
    `INSERT INTO canonical.invoice VALUES ('stripe:in_oct', '2026-10-15'), ('stripe:in_dec', '2026-12-02')`,
  );
  await t.warehouse.query(`CREATE TABLE canonical.credit_note (credit_note_key text, doc_date date)`);
  await t.warehouse.query(`INSERT INTO canonical.credit_note VALUES ('stripe:cn_sep', '2026-09-30')`);
  await runFamily(t.warehouse, family, { config, asOf: "2026-12-05T00:00:00Z", runId: "r1", log });
});
afterAll(async () => {
  await t?.drop();
});

describe("the period a discrepancy is dated in", () => {
  it("is its document's month where the category has one, else the as-of's", async () => {
    const rows = await t.warehouse.query<{ key: string; period: string }>(
      `SELECT key, period FROM recon.discrepancy ORDER BY key`,
    );
    expect(rows.map((r) => [r.key, r.period])).toEqual([
      ["stripe:cn_sep", "2026-09"],
      ["stripe:cus_1", "2026-12"],
      ["stripe:in_dec", "2026-12"],
      ["stripe:in_gone", "2026-12"],
      ["stripe:in_oct", "2026-10"],
    ]);
  });

  it("an old document found late blocks its own month's sign-off, not the month it was found in", async () => {
    const october = await signoff(ctx(), "2026-10", undefined, "carla");
    expect(october.ok).toBe(false);
    if (october.ok) return;
    expect(october.blocking.map((b) => b.key)).toEqual(["stripe:in_oct"]);
    expect((await closeStatus(ctx(), "2026-10")).map((c) => [c.entity, c.open, c.blocking])).toEqual([
      ["us", 1, 1],
    ]);
    // November holds nothing; September's credit note (80) and December's items are their own months'.
    expect((await signoff(ctx(), "2026-11", undefined, "carla")).ok).toBe(true);
    expect((await signoff(ctx(), "2026-09", undefined, "carla")).ok).toBe(false);
    await explain(ctx(), ["stripe:in_oct"], "timing", "posted in the ERP in December", "bob");
    expect((await signoff(ctx(), "2026-10", undefined, "carla")).ok).toBe(true);
  });

  it("stays the document's month on later runs", async () => {
    await runFamily(t.warehouse, family, { config, asOf: "2027-01-03T00:00:00Z", runId: "r2", log });
    const [row] = await t.warehouse.query<{ period: string }>(
      `SELECT period FROM recon.discrepancy WHERE key = 'stripe:in_oct'`,
    );
    expect(row!.period).toBe("2026-10");
  });
});
