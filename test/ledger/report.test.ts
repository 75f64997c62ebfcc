import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { collectReport, renderReport } from "../../orchestration/report.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { explain } from "../../reconcile/ledger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({});

// Twelve invoices over two entities and currencies: in_01…in_06 missing in the ERP (whole
// amount), in_07…in_12 off by 7 × n (the difference).
const family: RuleFamily = {
  name: "report_invoices",
  description: "Test family.",
  rules: [
    {
      category: "invoice_missing_in_erp",
      description: "missing",
      sql: (ctx) => `
        SELECT 'stripe:' || id AS key, NULL::text AS customer_id, entity, 'stripe' AS left_system, billing::text AS left_value,
               'netsuite' AS right_system, NULL::text AS right_value, NULL::numeric AS delta, currency,
               billing AS amount_reporting, jsonb_build_object('number', 'INV-' || id) AS detail
          FROM ${ctx.ref("t.inv")} WHERE erp IS NULL`,
    },
    {
      category: "invoice_amount_mismatch",
      description: "differ",
      sql: (ctx) => `
        SELECT 'stripe:' || id AS key, NULL::text AS customer_id, entity, 'stripe' AS left_system, billing::text AS left_value,
               'netsuite' AS right_system, erp::text AS right_value, billing - erp AS delta, currency,
               abs(billing - erp) AS amount_reporting, jsonb_build_object('number', 'INV-' || id, 'erp_number', 'NS-' || id) AS detail
          FROM ${ctx.ref("t.inv")} WHERE erp IS NOT NULL AND billing <> erp`,
    },
  ],
};

beforeAll(async () => {
  t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA t`);
  await t.warehouse.query(
    `CREATE TABLE t.inv (id text, entity text, currency text, billing numeric, erp numeric)`,
  );
  await t.warehouse.query(
    `INSERT INTO t.inv SELECT lpad(n::text, 2, '0'), CASE WHEN n % 2 = 0 THEN 'eu' ELSE 'us' END,
            CASE WHEN n % 2 = 0 THEN 'EUR' ELSE 'USD' END, 100 * n, CASE WHEN n > 6 THEN 100 * n - 7 * n END
       FROM generate_series(1, 12) n`,
  );
  await runFamily(t.warehouse, family, { config, asOf: "2026-10-01T00:00:00Z", runId: "a", log });
  // As of 52 days later: the ages on the page are 52, whatever today's date is.
  await runFamily(t.warehouse, family, { config, asOf: "2026-11-22T00:00:00Z", runId: "b", log });
  await explain({ warehouse: t.warehouse, config }, ["stripe:06"], "timing", "posting", "ann");
});
afterAll(async () => {
  await t?.drop();
});

describe("the run report", () => {
  it("defines amount at stake, splits by entity and currency, lists the ten largest with documents and counts review states, ages from the as-of", async () => {
    const data = await collectReport(t.warehouse, config, "b");
    expect(data.asOf).toBe("2026-11-22T00:00:00.000Z");
    expect(data.splits).toEqual([
      { entity: "eu", currency: "EUR", open: 6, amount_reporting: 200 + 400 + 600 + 56 + 70 + 84 },
      { entity: "us", currency: "USD", open: 6, amount_reporting: 100 + 300 + 500 + 49 + 63 + 77 },
    ]);
    expect(data.reviewStates).toEqual([
      { review_state: "explained", open: 1, amount_reporting: 600 },
      { review_state: "unreviewed", open: 11, amount_reporting: 2499 - 600 },
    ]);
    expect(
      data.largest.map((l) => [
        l.key,
        l.amount_reporting,
        l.amount_meaning,
        l.left_document,
        l.right_document,
      ]),
    ).toEqual([
      ["stripe:06", 600, "whole document", "INV-06", null],
      ["stripe:05", 500, "whole document", "INV-05", null],
      ["stripe:04", 400, "whole document", "INV-04", null],
      ["stripe:03", 300, "whole document", "INV-03", null],
      ["stripe:02", 200, "whole document", "INV-02", null],
      ["stripe:01", 100, "whole document", "INV-01", null],
      ["stripe:12", 84, "difference", "INV-12", "NS-12"],
      ["stripe:11", 77, "difference", "INV-11", "NS-11"],
      ["stripe:10", 70, "difference", "INV-10", "NS-10"],
      ["stripe:09", 63, "difference", "INV-09", "NS-09"],
    ]);
    expect(data.largest.every((l) => l.age_days === 52)).toBe(true);
    expect(data.ages).toEqual([{ age_bucket: "31-90 days", open: 12, amount_reporting: 2499 }]);
    const html = renderReport(data);
    expect(html).toMatch(/data-amount-definition>.*whole document's amount.*difference/s);
    expect(html).toContain(`data-largest="stripe:12"`);
    expect(html).toContain(`data-split="eu/EUR"`);
    expect(html).toContain(`data-review-state="explained"`);
    expect(html).toContain("2026-11-22T00:00:00.000Z");
  });
});
