import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ reconciliation: { ownerTeams: { invoice_amount_mismatch: "accounting" } } });

// A family over a plain table: billing vs ERP amounts, with the configured tolerance.
const family: RuleFamily = {
  name: "test_invoices",
  description: "Test family.",
  rules: [
    {
      category: "invoice_amount_mismatch",
      description: "amounts differ beyond tolerance",
      sql: (ctx) => `
        SELECT 'stripe:' || id AS key, customer_id, 'us' AS entity,
               'stripe' AS left_system, billing::text AS left_value, 'netsuite' AS right_system, erp::text AS right_value,
               billing - erp AS delta, 'USD' AS currency, abs(billing - erp) AS amount_reporting,
               jsonb_build_object('billing', billing, 'erp', erp) AS detail
          FROM ${ctx.ref("t.amounts")}
         WHERE abs(billing - erp) > ${ctx.settings.amountTolerance}`,
    },
    {
      category: "invoice_missing_in_erp",
      description: "no ERP amount",
      sql: (ctx) => `
        SELECT 'stripe:' || id AS key, customer_id, 'us' AS entity, 'stripe' AS left_system, billing::text AS left_value,
               'netsuite' AS right_system, NULL::text AS right_value, NULL::numeric AS delta, 'USD' AS currency,
               billing AS amount_reporting, '{}'::jsonb AS detail
          FROM ${ctx.ref("t.amounts")} WHERE erp IS NULL`,
    },
  ],
};

const run = (asOf: string, runId: string) => runFamily(t.warehouse, family, { config, asOf, runId, log });

beforeAll(async () => {
  t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA t`);
  await t.warehouse.query(`CREATE TABLE t.amounts (id text, customer_id text, billing numeric, erp numeric)`);
  await t.warehouse.query(
    `INSERT INTO t.amounts VALUES ('in_1', 'c1', 100, 100), ('in_2', 'c1', 100, 100.01), ('in_3', 'c2', 100, 90),
                                  ('in_4', 'c3', 50, NULL), ('in_5', 'c3', 70, 71)`,
  );
});
afterAll(async () => {
  await t?.drop();
});

describe("reconciliation lifecycle", () => {
  it("opens what the rules find, within tolerance is not a discrepancy", async () => {
    const r = await run("2026-11-20T00:00:00Z", "r1");
    expect(r).toMatchObject({
      opened: 3,
      reopened: 0,
      resolved: 0,
      open: { invoice_amount_mismatch: 2, invoice_missing_in_erp: 1 },
    });
    const rows = await t.warehouse.query(
      `SELECT category, key, status, delta, owner_team, left_value, right_value FROM recon.discrepancy ORDER BY key`,
    );
    expect(rows).toEqual([
      {
        category: "invoice_amount_mismatch",
        key: "stripe:in_3",
        status: "open",
        delta: "10",
        owner_team: "accounting",
        left_value: "100",
        right_value: "90",
      },
      {
        category: "invoice_missing_in_erp",
        key: "stripe:in_4",
        status: "open",
        delta: null,
        owner_team: "finance",
        left_value: "50",
        right_value: null,
      },
      {
        category: "invoice_amount_mismatch",
        key: "stripe:in_5",
        status: "open",
        delta: "-1",
        owner_team: "accounting",
        left_value: "70",
        right_value: "71",
      },
    ]);
  });

  it("a second run with no change opens and resolves nothing", async () => {
    expect(await run("2026-11-21T00:00:00Z", "r2")).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
    const [row] = await t.warehouse.query<{ first: Date; last: Date }>(
      `SELECT first_seen_at AS first, last_seen_at AS last FROM recon.discrepancy WHERE key = 'stripe:in_3'`,
    );
    expect(row!.first.toISOString()).toBe("2026-11-20T00:00:00.000Z");
    expect(row!.last.toISOString()).toBe("2026-11-21T00:00:00.000Z");
  });

  it("fixing a record resolves exactly that discrepancy; breaking it again reopens it; nothing is deleted", async () => {
    await t.warehouse.query(`UPDATE t.amounts SET erp = 100 WHERE id = 'in_3'`);
    expect(await run("2026-11-22T00:00:00Z", "r3")).toMatchObject({ opened: 0, reopened: 0, resolved: 1 });
    const resolved = await t.warehouse.query(
      `SELECT key, status, resolved_at FROM recon.discrepancy WHERE status = 'resolved'`,
    );
    expect(resolved).toEqual([
      { key: "stripe:in_3", status: "resolved", resolved_at: new Date("2026-11-22T00:00:00Z") },
    ]);
    await t.warehouse.query(`UPDATE t.amounts SET erp = 80 WHERE id = 'in_3'`);
    expect(await run("2026-11-23T00:00:00Z", "r4")).toMatchObject({ opened: 0, reopened: 1, resolved: 0 });
    const [back] = await t.warehouse.query(
      `SELECT status, reopened_count, right_value FROM recon.discrepancy WHERE key = 'stripe:in_3'`,
    );
    expect(back).toEqual({ status: "open", reopened_count: 1, right_value: "80" });
    const events = await t.warehouse.query(
      `SELECT run_id, event FROM recon.discrepancy_events WHERE key = 'stripe:in_3' ORDER BY id`,
    );
    expect(events).toEqual([
      { run_id: "r1", event: "opened" },
      { run_id: "r3", event: "resolved" },
      { run_id: "r4", event: "reopened" },
    ]);
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM recon.discrepancy`)).toEqual([{ n: 3 }]);
  });

  it("summary, history and the detail table are there for BI", async () => {
    const summary = await t.warehouse.query<{
      category: string;
      open_count: string;
      amount_reporting: string;
    }>(
      `SELECT category, sum(open_count) AS open_count, sum(amount_reporting) AS amount_reporting FROM recon.summary GROUP BY category ORDER BY category`,
    );
    expect(summary).toEqual([
      { category: "invoice_amount_mismatch", open_count: "2", amount_reporting: "21" },
      { category: "invoice_missing_in_erp", open_count: "1", amount_reporting: "50" },
    ]);
    const history = await t.warehouse.query(
      `SELECT day::text AS day, sum(open_count)::int AS n FROM recon.history GROUP BY day ORDER BY day`,
    );
    expect(history).toEqual([
      { day: "2026-11-20", n: 3 },
      { day: "2026-11-21", n: 3 },
      { day: "2026-11-22", n: 2 },
      { day: "2026-11-23", n: 3 },
    ]);
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM recon.test_invoices_detail`)).toEqual([
      { n: 3 },
    ]);
    const [c] = await t.warehouse.query<{ c: string }>(
      `SELECT obj_description('recon.summary'::regclass) AS c`,
    );
    expect(c!.c).toMatch(/by category, entity, currency and age bucket/);
  });
});
