import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import {
  assign,
  closeStatus,
  explain,
  listQueue,
  reopen,
  showDiscrepancy,
  signoff,
  type LedgerContext,
} from "../../reconcile/ledger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({
  reconciliation: { materiality: 25, sla: { invoice_missing_in_erp: 5 }, slaDays: 10 },
});

// Billing vs ERP amounts over a plain table, entity per row: what the ledger sees of any rule.
const family: RuleFamily = {
  name: "ledger_invoices",
  description: "Test family.",
  rules: [
    {
      category: "invoice_amount_mismatch",
      description: "amounts differ",
      sql: (ctx) => `
        SELECT 'stripe:' || id AS key, customer_id, entity, 'stripe' AS left_system, billing::text AS left_value,
               'netsuite' AS right_system, erp::text AS right_value, billing - erp AS delta, 'USD' AS currency,
               abs(billing - erp) AS amount_reporting, jsonb_build_object('number', 'INV-' || id, 'erp_number', 'NS-' || id) AS detail
          FROM ${ctx.ref("t.amounts")} WHERE erp IS NOT NULL AND abs(billing - erp) > 0.01`,
    },
    {
      category: "invoice_missing_in_erp",
      description: "no ERP amount",
      sql: (ctx) => `
        SELECT 'stripe:' || id AS key, customer_id, entity, 'stripe' AS left_system, billing::text AS left_value,
               'netsuite' AS right_system, NULL::text AS right_value, NULL::numeric AS delta, 'USD' AS currency,
               billing AS amount_reporting, jsonb_build_object('number', 'INV-' || id) AS detail
          FROM ${ctx.ref("t.amounts")} WHERE erp IS NULL`,
    },
  ],
};

let runs = 0;
const run = (asOf: string) => runFamily(t.warehouse, family, { config, asOf, runId: `r${++runs}`, log });
const ctx = (): LedgerContext => ({ warehouse: t.warehouse, config });
const queueKeys = async () =>
  (await t.warehouse.query<{ key: string }>(`SELECT key FROM recon.exception_queue ORDER BY key`)).map(
    (r) => r.key,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA t`);
  await t.warehouse.query(
    `CREATE TABLE t.amounts (id text, customer_id text, entity text, billing numeric, erp numeric)`,
  );
  // in_1 40 off (us), in_2 missing in the ERP (us, 500), in_3 5 off (eu: below materiality 25).
  await t.warehouse.query(
    `INSERT INTO t.amounts VALUES ('in_1', 'c1', 'us', 100, 60), ('in_2', 'c2', 'us', 500, NULL), ('in_3', 'c3', 'eu', 60, 55)`,
  );
});
afterAll(async () => {
  await t?.drop();
});

describe("the exceptions ledger", () => {
  it("new items are unreviewed, dated in the as-of's month, due after their category's SLA; the queue ages them from the as-of", async () => {
    await run("2026-11-20T00:00:00Z");
    const rows = await t.warehouse.query<{ key: string; review_state: string; period: string; due_at: Date }>(
      `SELECT key, review_state, period, due_at FROM recon.discrepancy ORDER BY key`,
    );
    expect(rows.map((r) => [r.key, r.review_state, r.period, r.due_at.toISOString()])).toEqual([
      ["stripe:in_1", "unreviewed", "2026-11", "2026-11-30T00:00:00.000Z"],
      ["stripe:in_2", "unreviewed", "2026-11", "2026-11-25T00:00:00.000Z"],
      ["stripe:in_3", "unreviewed", "2026-11", "2026-11-30T00:00:00.000Z"],
    ]);
    await run("2026-11-27T00:00:00Z");
    const q = await t.warehouse.query<{
      key: string;
      age_days: number;
      overdue: boolean;
      amount_meaning: string;
      left_document: string;
      right_document: string | null;
    }>(
      `SELECT key, age_days, overdue, amount_meaning, left_document, right_document FROM recon.exception_queue ORDER BY key`,
    );
    expect(q).toEqual([
      {
        key: "stripe:in_1",
        age_days: 7,
        overdue: false,
        amount_meaning: "difference",
        left_document: "INV-in_1",
        right_document: "NS-in_1",
      },
      {
        key: "stripe:in_2",
        age_days: 7,
        overdue: true,
        amount_meaning: "whole document",
        left_document: "INV-in_2",
        right_document: null,
      },
      {
        key: "stripe:in_3",
        age_days: 7,
        overdue: false,
        amount_meaning: "difference",
        left_document: "INV-in_3",
        right_document: "NS-in_3",
      },
    ]);
  });

  it("sign-off is refused while a material unexplained item is open, listing it, and succeeds once it is explained", async () => {
    const refused = await signoff(ctx(), "2026-11", undefined, "carla");
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    // in_3's 5 is under the materiality of 25: it does not block.
    expect(refused.blocking.map((b) => b.key)).toEqual(["stripe:in_2", "stripe:in_1"]);
    expect(await t.warehouse.query(`SELECT * FROM recon.signoff`)).toEqual([]);

    // The eu entity alone has nothing material: it can be signed.
    const eu = await signoff(ctx(), "2026-11", "eu", "carla");
    expect(eu.ok).toBe(true);

    await expect(explain(ctx(), ["stripe:in_1"], "no_such_reason", "x", "ann")).rejects.toThrow(
      /unknown reason code no_such_reason: use one of timing, known_difference/,
    );
    const a = await assign(ctx(), ["stripe:in_1", "stripe:in_2"], "bob", "ann");
    expect(a.changed).toHaveLength(2);
    expect((await assign(ctx(), ["stripe:in_1"], "bob", "ann")).changed).toEqual([]);
    await explain(ctx(), ["stripe:in_1"], "timing", "ERP posts the credit in December", "bob");
    expect((await signoff(ctx(), "2026-11", "us", "carla")).ok).toBe(false);
    await explain(ctx(), ["stripe:in_2"], "fixed_at_source", "posted in NetSuite on the 28th", "bob");
    const signed = await signoff(ctx(), "2026-11", undefined, "carla");
    expect(signed.ok).toBe(true);
    const [row] = await t.warehouse.query<{ signed_by: string; snapshot: Record<string, { count: number }> }>(
      `SELECT signed_by, snapshot FROM recon.signoff WHERE period = '2026-11' AND entity = 'all'`,
    );
    expect(row!.signed_by).toBe("carla");
    expect(row!.snapshot.explained!.count).toBe(2);
    expect(row!.snapshot.unreviewed!.count).toBe(1);
    const close = await closeStatus(ctx(), "2026-11");
    expect(close.map((c) => [c.entity, c.open, c.explained, c.blocking, c.signoff?.signedBy])).toEqual([
      ["eu", 1, 0, 0, "carla"],
      ["us", 2, 2, 0, "carla"],
    ]);
  });

  it("an explanation keeps the item out of the queue across re-runs while its values hold, and it comes back when they change", async () => {
    expect(await queueKeys()).toEqual(["stripe:in_3"]);
    await run("2026-11-28T00:00:00Z");
    await run("2026-11-29T00:00:00Z");
    expect(await queueKeys()).toEqual(["stripe:in_3"]);
    const open = await listQueue(ctx(), { state: "explained" });
    expect(open.items.map((i) => [i.key, i.reasonCode, i.reviewedBy])).toEqual([
      ["stripe:in_2", "fixed_at_source", "bob"],
      ["stripe:in_1", "timing", "bob"],
    ]);

    await t.warehouse.query(`UPDATE t.amounts SET erp = 50 WHERE id = 'in_1'`);
    await run("2026-11-30T00:00:00Z");
    expect(await queueKeys()).toEqual(["stripe:in_1", "stripe:in_3"]);
    const [view] = await showDiscrepancy(ctx(), "stripe:in_1");
    // Unreviewed again, its assignee kept; the reset names the values explained and the new ones.
    expect(view!.item.reviewState).toBe("unreviewed");
    expect(view!.item.assignee).toBe("bob");
    const reset = view!.events.find((e) => e.event === "explanation_reset");
    expect(reset?.detail).toMatchObject({
      reason_code: "timing",
      explained_right_value: "60",
      right_value: "50",
      explained_delta: 40,
      delta: 50,
    });
  });

  it("a signed month that a later run changes is flagged, its sign-off left as signed", async () => {
    const before = await t.warehouse.query(
      `SELECT signed_by, signed_at, snapshot FROM recon.signoff ORDER BY entity`,
    );
    const flags = await t.warehouse.query<{ entity: string; changed_at: Date | null }>(
      `SELECT entity, changed_at FROM recon.signoff ORDER BY entity`,
    );
    // in_1's reset (us) changed the month signed for all entities; eu's items did not change.
    expect(flags.map((f) => [f.entity, f.changed_at?.toISOString() ?? null])).toEqual([
      ["all", "2026-11-30T00:00:00.000Z"],
      ["eu", null],
    ]);
    await t.warehouse.query(`INSERT INTO t.amounts VALUES ('in_4', 'c4', 'eu', 40, NULL)`);
    await run("2026-11-30T12:00:00Z");
    const after = await t.warehouse.query<{ entity: string; changed_at: Date | null }>(
      `SELECT entity, changed_at FROM recon.signoff ORDER BY entity`,
    );
    expect(after.map((f) => [f.entity, f.changed_at?.toISOString() ?? null])).toEqual([
      ["all", "2026-11-30T00:00:00.000Z"],
      ["eu", "2026-11-30T12:00:00.000Z"],
    ]);
    expect(
      await t.warehouse.query(`SELECT signed_by, signed_at, snapshot FROM recon.signoff ORDER BY entity`),
    ).toEqual(before);
  });

  it("every action is an event with its actor, and a key the ledger does not hold is named", async () => {
    await reopen(ctx(), ["stripe:in_2"], "dora");
    const events = await t.warehouse.query<{ event: string; actor: string | null; run_id: string }>(
      `SELECT event, actor, run_id FROM recon.discrepancy_events WHERE key = 'stripe:in_2' ORDER BY id`,
    );
    expect(events).toEqual([
      { event: "opened", actor: null, run_id: "r1" },
      { event: "assigned", actor: "ann", run_id: "manual" },
      { event: "explained", actor: "bob", run_id: "manual" },
      { event: "review_reopened", actor: "dora", run_id: "manual" },
    ]);
    const signoffs = await t.warehouse.query(
      `SELECT key, actor FROM recon.discrepancy_events WHERE event = 'signed_off' ORDER BY id`,
    );
    expect(signoffs).toEqual([
      { key: "2026-11/eu", actor: "carla" },
      { key: "2026-11/all", actor: "carla" },
    ]);
    await expect(assign(ctx(), ["stripe:in_2", "stripe:nope"], "x", "y")).rejects.toThrow(
      /unknown discrepancy key stripe:nope/,
    );
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM recon.discrepancy`)).toEqual([{ n: 4 }]);
  });

  it("a warehouse no reconciliation has run on has an empty queue, and a month with nothing open can be signed", async () => {
    const fresh = await createTestDatabase();
    try {
      const c = { warehouse: fresh.warehouse, config };
      expect(await listQueue(c)).toMatchObject({ items: [], total: 0 });
      expect(await closeStatus(c, "2026-11")).toEqual([]);
      const s = await signoff(c, "2026-11", "us", "carla");
      expect(s).toMatchObject({
        ok: true,
        signoff: { entity: "us", snapshot: [{ count: 0 }, { count: 0 }, { count: 0 }] },
      });
      expect((await closeStatus(c, "2026-11")).map((r) => [r.entity, r.open, r.signoff?.signedBy])).toEqual([
        ["us", 0, "carla"],
      ]);
    } finally {
      await fresh.drop();
    }
  });

  it("every column of every recon table and view has a comment", async () => {
    const missing = await t.warehouse.query<{ rel: string; col: string }>(
      `SELECT c.relname AS rel, a.attname AS col
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
          AND col_description(c.oid, a.attnum) IS NULL
        ORDER BY 1, 2`,
    );
    expect(missing).toEqual([]);
    const rels = await t.warehouse.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v') AND obj_description(c.oid) IS NULL`,
    );
    expect(rels).toEqual([{ n: 0 }]);
  });
});
