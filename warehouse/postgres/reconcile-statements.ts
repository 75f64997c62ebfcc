import { quoteIdentifier as q, quoteLiteral } from "../identifiers.js";
import type { WarehouseSession } from "../interfaces.js";
import type { ReconcileStatements, ReconDescriptions } from "../statements/reconcile.js";
import { summarySelect } from "../statements/recon-views.js";
import { runLifecycle } from "./reconcile-lifecycle.js";

/** Columns the ledger adds to recon.discrepancy made before it. */
const LEDGER_COLUMNS: [string, string][] = [
  ["review_state", "text NOT NULL DEFAULT 'unreviewed'"],
  ["assignee", "text"],
  ["reason_code", "text"],
  ["note", "text"],
  ["reviewed_by", "text"],
  ["reviewed_at", "timestamptz"],
  ["due_at", "timestamptz"],
  ["period", "text"],
  ["explained_left_value", "text"],
  ["explained_right_value", "text"],
  ["explained_delta", "numeric"],
];

/**
 * Tables made before amounts were named for the reporting currency held them in `amount_usd`,
 * in USD: the column is renamed and the rows say USD. The views over recon.discrepancy name its
 * columns, so they are dropped first and made again below.
 */
function renamedToReporting(table: "discrepancy" | "history"): string {
  return `DO $$ BEGIN
     IF EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = 'recon' AND table_name = ${quoteLiteral(table)} AND column_name = 'amount_usd') THEN
       DROP VIEW IF EXISTS recon.summary;
       DROP VIEW IF EXISTS recon.open_discrepancies;
       ALTER TABLE recon.${table} RENAME COLUMN amount_usd TO amount_reporting;
       ALTER TABLE recon.${table} ADD COLUMN reporting_currency text DEFAULT 'USD';
       ALTER TABLE recon.${table} ALTER COLUMN reporting_currency DROP DEFAULT;
     END IF;
   END $$`;
}

const comment = (kind: "TABLE" | "VIEW", name: string, docs: ReconDescriptions) =>
  `COMMENT ON ${kind} recon.${name} IS ${quoteLiteral(docs.object(name as never))}`;

function createSchema(docs: ReconDescriptions): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS recon`,
    `CREATE TABLE IF NOT EXISTS recon.discrepancy (
     category text NOT NULL,
     key text NOT NULL,
     family text NOT NULL,
     customer_id text,
     entity text,
     left_system text,
     left_value text,
     right_system text,
     right_value text,
     delta numeric,
     currency text,
     amount_reporting numeric,
     reporting_currency text,
     detail jsonb,
     status text NOT NULL CHECK (status IN ('open', 'resolved')),
     first_seen_at timestamptz NOT NULL,
     last_seen_at timestamptz NOT NULL,
     resolved_at timestamptz,
     reopened_count integer NOT NULL DEFAULT 0,
     owner_team text NOT NULL,
     last_run_id text,
     PRIMARY KEY (category, key)
   )`,
    renamedToReporting("discrepancy"),
    ...LEDGER_COLUMNS.map(
      ([name, type]) => `ALTER TABLE recon.discrepancy ADD COLUMN IF NOT EXISTS ${name} ${type}`,
    ),
    // Views made before the ledger's columns list fewer of recon.discrepancy's (d.*): made again below.
    `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = 'recon' AND table_name = 'open_discrepancies' AND column_name = 'review_state') THEN
       DROP VIEW IF EXISTS recon.summary;
       DROP VIEW IF EXISTS recon.open_discrepancies;
     END IF;
   END $$`,
    comment("TABLE", "discrepancy", docs),
    `CREATE INDEX IF NOT EXISTS discrepancy_status ON recon.discrepancy (status, category)`,
    `CREATE TABLE IF NOT EXISTS recon.discrepancy_events (
     id bigserial PRIMARY KEY,
     run_id text NOT NULL,
     at timestamptz NOT NULL,
     category text NOT NULL,
     key text NOT NULL,
     event text NOT NULL
   )`,
    `ALTER TABLE recon.discrepancy_events DROP CONSTRAINT IF EXISTS discrepancy_events_event_check`,
    `ALTER TABLE recon.discrepancy_events ADD COLUMN IF NOT EXISTS actor text`,
    `ALTER TABLE recon.discrepancy_events ADD COLUMN IF NOT EXISTS event_detail jsonb`,
    comment("TABLE", "discrepancy_events", docs),
    `CREATE INDEX IF NOT EXISTS discrepancy_events_key ON recon.discrepancy_events (key, category)`,
    `CREATE TABLE IF NOT EXISTS recon.signoff (
     period text NOT NULL,
     entity text NOT NULL,
     signed_by text NOT NULL,
     signed_at timestamptz NOT NULL,
     snapshot jsonb NOT NULL,
     changed_at timestamptz,
     changed_run_id text,
     PRIMARY KEY (period, entity)
   )`,
    comment("TABLE", "signoff", docs),
    `CREATE TABLE IF NOT EXISTS recon.history (
     day date NOT NULL,
     category text NOT NULL,
     entity text NOT NULL,
     currency text NOT NULL,
     open_count integer NOT NULL,
     amount_reporting numeric NOT NULL,
     reporting_currency text,
     PRIMARY KEY (day, category, entity, currency)
   )`,
    renamedToReporting("history"),
    comment("TABLE", "history", docs),
    `CREATE TABLE IF NOT EXISTS recon.rule_status (
     category text PRIMARY KEY,
     family text NOT NULL,
     status text NOT NULL CHECK (status IN ('ran', 'not_run', 'disabled')),
     reason text,
     last_run_id text,
     checked_at timestamptz NOT NULL
   )`,
    comment("TABLE", "rule_status", docs),
    // Ages count to the last reconciliation's as-of (the wall clock before any), so a report
    // of a past as-of shows the ages it had then.
    `CREATE OR REPLACE VIEW recon.open_discrepancies AS
     SELECT d.*, a.age_days,
            CASE WHEN a.age_days <= 7 THEN '0-7 days'
                 WHEN a.age_days <= 30 THEN '8-30 days'
                 WHEN a.age_days <= 90 THEN '31-90 days'
                 ELSE '90+ days' END AS age_bucket
       FROM recon.discrepancy d
       CROSS JOIN LATERAL (SELECT CAST(coalesce((SELECT max(checked_at) FROM recon.rule_status), now()) AS date)
                                  - CAST(d.first_seen_at AS date) AS age_days) a
      WHERE d.status = 'open'`,
    comment("VIEW", "open_discrepancies", docs),
    `CREATE OR REPLACE VIEW recon.summary AS
     ${summarySelect({ open: "recon.open_discrepancies", ruleStatus: "recon.rule_status" }, { count: "bigint", amount: "numeric" })}`,
    comment("VIEW", "summary", docs),
  ];
}

/**
 * Postgres: COMMENT ON COLUMN for every described column of recon's tables and views (the
 * rule families' detail tables too), in one round trip.
 */
async function describeColumns(tx: WarehouseSession, docs: ReconDescriptions, table?: string): Promise<void> {
  const cols = await tx.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'recon' AND ($1::text IS NULL OR table_name = $1) AND table_name NOT LIKE '%\\_\\_new'`,
    [table ?? null],
  );
  const statements = cols.flatMap((c) => {
    const doc = docs.column(c.column_name, c.table_name);
    return doc
      ? [`COMMENT ON COLUMN recon.${q(c.table_name)}.${q(c.column_name)} IS ${quoteLiteral(doc)}`]
      : [];
  });
  if (statements.length) await tx.query(statements.join(";\n"));
}

export const postgresReconcileStatements: ReconcileStatements = {
  createSchema,
  // Same columns and types with or without canonical.customer (a NULL name), so views replace in place.
  replaceView: (name, select, _columns, docs) => [
    `CREATE OR REPLACE VIEW recon.${name} AS ${select}`,
    comment("VIEW", name, docs),
  ],
  describeColumns,
  runLifecycle,
};
