import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { DiscrepancyCategory } from "../../config/schema.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import type { Warehouse } from "../../warehouse/interfaces.js";
import { openWarehouse } from "../../warehouse/open.js";

/**
 * A reconciliation on a live Snowflake, the way `trueup reconcile` runs one family: the recon
 * schema of WAREHOUSE_URL's database (use a scratch database), a scratch source table in
 * `staging` and a family whose category is unique to this run, so its lifecycle (which resolves
 * by category) touches no other row. Everything it wrote is removed at the end.
 */
const url = process.env.WAREHOUSE_URL;
if (!url?.startsWith("snowflake://"))
  throw new Error("the live Snowflake suite needs WAREHOUSE_URL=snowflake://… (see docs/operations.md)");

const suffix = `live_${Date.now().toString(36)}`;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ models: { builtin: false } });
const source = `"staging"."recon_${suffix}"`;
// Not one of trueup's categories: the test's rows are found, resolved and cleaned up by it alone.
const category = `amount_mismatch_${suffix}` as DiscrepancyCategory;
let wh: Warehouse;

const family: RuleFamily = {
  name: suffix,
  description: "Live test family.",
  rules: [
    {
      category,
      description: "billing and ERP amounts differ beyond tolerance",
      sql: (ctx) => `
        SELECT 'live:' || id AS key, customer_id, 'us' AS entity,
               'billing' AS left_system, ${ctx.d.cast("billing", "text")} AS left_value,
               'erp' AS right_system, ${ctx.d.cast("erp", "text")} AS right_value,
               billing - erp AS delta, 'USD' AS currency, abs(billing - erp) AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["billing", "billing"],
                 ["erp", "erp"],
               ])} AS detail
          FROM ${ctx.ref(`staging.recon_${suffix}`)}
         WHERE abs(billing - erp) > ${ctx.settings.amountTolerance}`,
    },
  ],
};

const run = (asOf: string, runId: string) => runFamily(wh, family, { config, asOf, runId, log });

beforeAll(async () => {
  wh = (await openWarehouse(config, { url })).warehouse;
  await wh.query(`CREATE SCHEMA IF NOT EXISTS "staging"`);
  await wh.query(
    `CREATE TABLE ${source} ("id" VARCHAR, "customer_id" VARCHAR, "billing" NUMBER(38,10), "erp" NUMBER(38,10))`,
  );
  await wh.query(
    `INSERT INTO ${source} VALUES ('in_1', 'c1', 100, 100), ('in_2', 'c1', 100, 90), ('in_3', 'c2', 50, 49)`,
  );
});
afterAll(async () => {
  await wh?.query(`DROP TABLE IF EXISTS ${source}`);
  await wh?.query(`DROP TABLE IF EXISTS "recon"."${suffix}_detail"`);
  for (const table of ["discrepancy", "discrepancy_events", "history"])
    await wh?.query(`DELETE FROM "recon"."${table}" WHERE "category" = $1`, [category]);
  await wh?.close();
});

describe("reconciling on a live Snowflake", () => {
  it("opens what the rule finds, with both sides' values and the owner team", async () => {
    expect(await run("2026-11-20T00:00:00Z", "live-r1")).toMatchObject({
      opened: 2,
      reopened: 0,
      resolved: 0,
      open: { [category]: 2 },
    });
    const rows = await wh.query(
      `SELECT "key", "status", TO_VARCHAR("delta") AS delta, "left_value", "right_value", "owner_team",
              TO_VARCHAR("detail":erp::NUMBER(38,2)) AS erp, TO_VARCHAR("first_seen_at", 'YYYY-MM-DD') AS first_seen
         FROM "recon"."discrepancy" WHERE "category" = $1 ORDER BY "key"`,
      [category],
    );
    expect(rows).toEqual([
      {
        key: "live:in_2",
        status: "open",
        delta: "10.0000000000",
        left_value: "100.0000000000",
        right_value: "90.0000000000",
        owner_team: "finance",
        erp: "90.00",
        first_seen: "2026-11-20",
      },
      {
        key: "live:in_3",
        status: "open",
        delta: "1.0000000000",
        left_value: "50.0000000000",
        right_value: "49.0000000000",
        owner_team: "finance",
        erp: "49.00",
        first_seen: "2026-11-20",
      },
    ]);
    // The detail table was replaced with the run's rows.
    expect(await wh.query(`SELECT count(*) AS n FROM "recon"."${suffix}_detail"`)).toEqual([{ n: "2" }]);
  });

  it("a second run resolves what was fixed and opens what broke; a third reopens", async () => {
    await wh.query(`UPDATE ${source} SET "erp" = 50 WHERE "id" = 'in_3'`);
    await wh.query(`UPDATE ${source} SET "erp" = 80 WHERE "id" = 'in_1'`);
    expect(await run("2026-11-21T00:00:00Z", "live-r2")).toMatchObject({
      opened: 1,
      reopened: 0,
      resolved: 1,
      open: { [category]: 2 },
    });
    const [resolved] = await wh.query(
      `SELECT "status", TO_VARCHAR("resolved_at", 'YYYY-MM-DD') AS resolved, "last_run_id"
         FROM "recon"."discrepancy" WHERE "category" = $1 AND "key" = 'live:in_3'`,
      [category],
    );
    expect(resolved).toEqual({ status: "resolved", resolved: "2026-11-21", last_run_id: "live-r2" });

    await wh.query(`UPDATE ${source} SET "erp" = 40 WHERE "id" = 'in_3'`);
    expect(await run("2026-11-22T00:00:00Z", "live-r3")).toMatchObject({
      opened: 0,
      reopened: 1,
      resolved: 0,
      open: { [category]: 3 },
    });
    const [back] = await wh.query(
      `SELECT "status", "resolved_at", TO_VARCHAR("reopened_count") AS reopened, "right_value"
         FROM "recon"."discrepancy" WHERE "category" = $1 AND "key" = 'live:in_3'`,
      [category],
    );
    expect(back).toEqual({ status: "open", resolved_at: null, reopened: "1", right_value: "40.0000000000" });
    // Nothing is deleted: three keys, one row each.
    expect(
      await wh.query(`SELECT count(*) AS n FROM "recon"."discrepancy" WHERE "category" = $1`, [category]),
    ).toEqual([{ n: "3" }]);
  });

  it("logs every lifecycle event and keeps one history row per day", async () => {
    const events = await wh.query(
      `SELECT "key", "run_id", "event" FROM "recon"."discrepancy_events" WHERE "category" = $1
        ORDER BY "at", "key"`,
      [category],
    );
    expect(events).toEqual([
      { key: "live:in_2", run_id: "live-r1", event: "opened" },
      { key: "live:in_3", run_id: "live-r1", event: "opened" },
      { key: "live:in_1", run_id: "live-r2", event: "opened" },
      { key: "live:in_3", run_id: "live-r2", event: "resolved" },
      { key: "live:in_3", run_id: "live-r3", event: "reopened" },
    ]);
    const history = await wh.query(
      `SELECT TO_VARCHAR("day") AS "day", TO_VARCHAR(sum("open_count")) AS n FROM "recon"."history"
        WHERE "category" = $1 GROUP BY "day" ORDER BY "day"`,
      [category],
    );
    expect(history).toEqual([
      { day: "2026-11-20", n: "2" },
      { day: "2026-11-21", n: "2" },
      { day: "2026-11-22", n: "3" },
    ]);
    // The BI views read the same table.
    expect(
      await wh.query(`SELECT count(*) AS n FROM "recon"."open_discrepancies" WHERE "category" = $1`, [
        category,
      ]),
    ).toEqual([{ n: "3" }]);
  });
});
