import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { ensureReconSchema } from "../../reconcile/schema.js";
import { kyselyOn, SnowflakeSession, TransactionRunner } from "../../warehouse/snowflake/session.js";
import { recordingConnection } from "../helpers/snowflake.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Every column of every recon table and view says what it means in the catalog, where a BI
 * user reads it: on Postgres (COMMENT ON, asked of pg_catalog) and in Snowflake's DDL (inline
 * COMMENT on each column of each table, and on each view's column list, which must name the
 * view's columns in order: Postgres's view of the same text says which they are).
 */
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({});
const family: RuleFamily = {
  name: "described",
  description: "Test family.",
  rules: [
    {
      category: "invoice_missing_in_erp",
      description: "one row",
      sql: () => `
        SELECT 'stripe:in_1' AS key, 'c1' AS customer_id, 'us' AS entity, 'stripe' AS left_system, '10' AS left_value,
               'netsuite' AS right_system, NULL::text AS right_value, NULL::numeric AS delta, 'USD' AS currency,
               10::numeric AS amount_reporting, jsonb_build_object('number', 'INV-1') AS detail`,
    },
  ],
};

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await runFamily(t.warehouse, family, { config, asOf: "2026-11-20T00:00:00Z", runId: "r1", log });
});
afterAll(async () => {
  await t?.drop();
});

async function snowflakeSchemaStatements(): Promise<string[]> {
  const { conn, sent } = recordingConnection();
  const runner = new TransactionRunner(conn);
  await ensureReconSchema(new SnowflakeSession(runner, kyselyOn(runner)));
  return sent.map((s) => s.sql);
}

describe("recon's catalog descriptions", () => {
  it("Postgres: no recon table, view or column without a comment (the detail tables' too)", async () => {
    const objects = await t.warehouse.query<{ relname: string; relkind: string }>(
      `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY c.relname`,
    );
    // The five tables, four views and the family's detail table are all there to check.
    expect(objects.map((o) => o.relname)).toEqual([
      "close_status",
      "described_detail",
      "discrepancy",
      "discrepancy_events",
      "exception_queue",
      "history",
      "open_discrepancies",
      "rule_status",
      "signoff",
      "summary",
    ]);
    const undescribed = await t.warehouse.query<{ object: string; column: string | null }>(
      `SELECT c.relname AS object, a.attname AS column
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v', 'm', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND coalesce(col_description(c.oid, a.attnum), '') = ''
       UNION ALL
       SELECT c.relname, NULL FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'recon' AND c.relkind IN ('r', 'v', 'm', 'p') AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''
        ORDER BY 1, 2`,
    );
    expect(undescribed).toEqual([]);
    // A name that means something else in one table has its own words there.
    const [status] = await t.warehouse.query<{ d: string }>(
      `SELECT col_description('recon.rule_status'::regclass, a.attnum) AS d FROM pg_attribute a
        WHERE a.attrelid = 'recon.rule_status'::regclass AND a.attname = 'status'`,
    );
    expect(status!.d).toMatch(/^ran, not_run or disabled/);
  });

  it("Snowflake: every table column carries a COMMENT, every view lists Postgres's columns in order, each with a COMMENT", async () => {
    const statements = await snowflakeSchemaStatements();
    const tables = statements.filter((s) => /^CREATE TABLE IF NOT EXISTS "recon"\./.test(s));
    expect(tables).toHaveLength(5);
    for (const s of tables) {
      const columns = s.split("\n").filter((l) => /^\s+"\w+" [A-Z]/.test(l));
      expect(columns.length, s.slice(0, 50)).toBeGreaterThan(4);
      for (const c of columns) expect(c, s.slice(0, 50)).toMatch(/ COMMENT '/);
    }
    const views = statements.filter((s) => /^CREATE OR REPLACE VIEW/.test(s));
    expect(views).toHaveLength(4);
    for (const s of views) {
      const m = /^CREATE OR REPLACE VIEW "recon"\."(\w+)" \((.*?)\) COPY GRANTS COMMENT = '/s.exec(s);
      expect(m, s.slice(0, 80)).not.toBeNull();
      const listed = m![2]!.split(/, (?=")/);
      for (const c of listed) expect(c, `${m![1]}: ${c}`).toMatch(/^"\w+" COMMENT '/);
      const pg = await t.warehouse.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'recon' AND table_name = $1
          ORDER BY ordinal_position`,
        [m![1]],
      );
      expect(
        listed.map((c) => /^"(\w+)"/.exec(c)![1]),
        m![1],
      ).toEqual(pg.map((r) => r.column_name));
    }
  });
});
