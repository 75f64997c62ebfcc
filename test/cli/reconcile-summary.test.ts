import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categorySummaryQuery } from "../../cli/reconcile.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";
import { SnowflakeWarehouse } from "../../warehouse/snowflake/warehouse.js";
import { recordingConnection } from "../helpers/snowflake.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/** `trueup reconcile`'s per-category figures: one statement, run on Postgres, compiled for Snowflake. */
describe("the reconcile command's category summary", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    await db.warehouse.query(`CREATE SCHEMA recon`);
    await db.warehouse.query(
      `CREATE TABLE recon.discrepancy (category text, status text, amount_reporting numeric, first_seen_at timestamptz)`,
    );
    await db.warehouse.query(
      `INSERT INTO recon.discrepancy VALUES
         ('invoices', 'open', 10, '2026-01-03'), ('invoices', 'resolved', 5, '2025-01-01'),
         ('invoices', 'open', 2.5, '2026-02-01'), ('payments', 'resolved', 3, '2025-06-01')`,
    );
  });
  afterAll(() => db?.drop());

  it("counts, sums and dates only the open discrepancies of each category", async () => {
    const rows = await categorySummaryQuery(db.warehouse.db).execute();
    expect(
      rows.map((r) => ({
        category: r.category,
        open: Number(r.open),
        amount: Number(r.amount_reporting),
        oldest: r.oldest && new Date(r.oldest as string).toISOString(),
      })),
    ).toEqual([
      { category: "invoices", open: 2, amount: 12.5, oldest: "2026-01-03T00:00:00.000Z" },
      { category: "payments", open: 0, amount: 0, oldest: null },
    ]);
  });

  it("reads the same on Snowflake: no Postgres-only construct, the status bound", () => {
    const { conn } = recordingConnection();
    const compiled = categorySummaryQuery(SnowflakeWarehouse.on(conn).db).compile();
    expect(postgresOnlyConstructs(compiled.sql)).toEqual([]);
    expect(compiled.sql).toContain(`from "recon"."discrepancy" group by "category"`);
    expect(compiled.parameters).toEqual(["open", "open", "open"]);
  });
});
