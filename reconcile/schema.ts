import { quoteIdentifier as q, quoteLiteral } from "../warehouse/identifiers.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";

/**
 * The `recon` schema finance reads. `discrepancy` keeps every discrepancy ever found, open or
 * resolved (nothing is deleted); `discrepancy_events` is its lifecycle log; `history` a daily
 * snapshot for trend charts; `summary` and `open_discrepancies` are views shaped for BI.
 * Idempotent DDL, run before each reconciliation. The descriptions are shared by both dialects.
 */
const DISCREPANCY_DESCRIPTION =
  "Every discrepancy trueup has found, one row per category and key, open or resolved. Nothing is deleted: a discrepancy that disappears is resolved with a timestamp, one that comes back reopens.";
const EVENTS_DESCRIPTION =
  "Lifecycle log: when each discrepancy opened, resolved or reopened, and in which run.";
const HISTORY_DESCRIPTION = "Open discrepancies per day, category, entity and currency: the trend chart.";
const OPEN_DESCRIPTION = "Open discrepancies with their age: the exception queue finance works.";
const RULE_STATUS_DESCRIPTION =
  "Whether the last reconciliation ran each rule (ran, not_run, disabled) and why not: a category with no open discrepancies whose rule did not run is unknown, not clean.";
const SUMMARY_DESCRIPTION =
  "Open discrepancies counted and summed by category, entity, currency and age bucket, with whether the last run ran the category's rule (rule_status, rule_reason); a rule that did not run and has nothing open has one row with NULL counts.";

/** recon.discrepancy's column descriptions, in COMMENT ON COLUMN order. */
const COLUMN_DESCRIPTIONS: Record<string, string> = {
  category: "What disagrees, e.g. invoice_missing_in_erp or duplicate_customer.",
  key: "system:native_id of the record the discrepancy is about.",
  customer_id: "Canonical customer (canonical.customer.customer_id).",
  left_value: "Value in left_system.",
  right_value: "Value in right_system (NULL when the record is missing there).",
  delta: "left minus right, in currency units, for amount discrepancies.",
  amount_reporting: "Amount at stake in reporting_currency, at the rate of the record date.",
  reporting_currency: "The reporting currency (config fx.reportingCurrency) amount_reporting is in.",
  status: "open or resolved.",
  first_seen_at: "As-of time of the run that first found it.",
  owner_team: "Team that works this category (config reconciliation.ownerTeams).",
};

/**
 * Tables made before amounts were named for the reporting currency held them in `amount_usd`,
 * in USD: the column is renamed and the rows say USD. The views over recon.discrepancy name its
 * columns, so they are dropped first and made again below. (Snowflake has no conditional DDL
 * outside a scripting block; docs/operations.md gives the two statements to run there once.)
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

/**
 * recon.summary's rows for rules the last run did not run (or config disabled) with nothing open:
 * counts and amounts NULL, not 0, because nobody checked.
 */
function notCheckedRows(ruleStatus: string, open: string, types: { count: string; amount: string }): string {
  return `SELECT r.category, 'n/a', 'n/a', CAST(NULL AS varchar), CAST(NULL AS varchar), CAST(NULL AS ${types.count}),
            CAST(NULL AS ${types.amount}), CAST(NULL AS varchar), CAST(NULL AS ${types.amount}), r.status, r.reason
       FROM ${ruleStatus} r
      WHERE r.status <> 'ran' AND NOT EXISTS (SELECT 1 FROM ${open} o WHERE o.category = r.category)`;
}

const POSTGRES_STATEMENTS = [
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
  `COMMENT ON TABLE recon.discrepancy IS ${quoteLiteral(DISCREPANCY_DESCRIPTION)}`,
  ...Object.entries(COLUMN_DESCRIPTIONS).map(
    ([column, doc]) => `COMMENT ON COLUMN recon.discrepancy.${column} IS ${quoteLiteral(doc)}`,
  ),
  `CREATE INDEX IF NOT EXISTS discrepancy_status ON recon.discrepancy (status, category)`,
  `CREATE TABLE IF NOT EXISTS recon.discrepancy_events (
     id bigserial PRIMARY KEY,
     run_id text NOT NULL,
     at timestamptz NOT NULL,
     category text NOT NULL,
     key text NOT NULL,
     event text NOT NULL CHECK (event IN ('opened', 'reopened', 'resolved'))
   )`,
  `COMMENT ON TABLE recon.discrepancy_events IS ${quoteLiteral(EVENTS_DESCRIPTION)}`,
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
  `COMMENT ON TABLE recon.history IS ${quoteLiteral(HISTORY_DESCRIPTION)}`,
  `CREATE TABLE IF NOT EXISTS recon.rule_status (
     category text PRIMARY KEY,
     family text NOT NULL,
     status text NOT NULL CHECK (status IN ('ran', 'not_run', 'disabled')),
     reason text,
     last_run_id text,
     checked_at timestamptz NOT NULL
   )`,
  `COMMENT ON TABLE recon.rule_status IS ${quoteLiteral(RULE_STATUS_DESCRIPTION)}`,
  `CREATE OR REPLACE VIEW recon.open_discrepancies AS
     SELECT d.*, (CURRENT_DATE - CAST(d.first_seen_at AS date)) AS age_days,
            CASE WHEN CURRENT_DATE - CAST(d.first_seen_at AS date) <= 7 THEN '0-7 days'
                 WHEN CURRENT_DATE - CAST(d.first_seen_at AS date) <= 30 THEN '8-30 days'
                 WHEN CURRENT_DATE - CAST(d.first_seen_at AS date) <= 90 THEN '31-90 days'
                 ELSE '90+ days' END AS age_bucket
       FROM recon.discrepancy d WHERE d.status = 'open'`,
  `COMMENT ON VIEW recon.open_discrepancies IS ${quoteLiteral(OPEN_DESCRIPTION)}`,
  `CREATE OR REPLACE VIEW recon.summary AS
     SELECT s.*, r.status AS rule_status, r.reason AS rule_reason FROM (
       SELECT category, coalesce(entity, 'unknown') AS entity, coalesce(currency, 'n/a') AS currency, age_bucket,
              owner_team, count(*) AS open_count, coalesce(sum(amount_reporting), 0) AS amount_reporting,
              min(reporting_currency) AS reporting_currency,
              coalesce(sum(abs(delta)), 0) AS abs_delta
         FROM recon.open_discrepancies
        GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), age_bucket, owner_team
     ) s LEFT JOIN recon.rule_status r ON r.category = s.category
     UNION ALL
     ${notCheckedRows("recon.rule_status", "recon.open_discrepancies", { count: "bigint", amount: "numeric" })}`,
  `COMMENT ON VIEW recon.summary IS ${quoteLiteral(SUMMARY_DESCRIPTION)}`,
];

/** A Snowflake column: quoted name, type, then its description (if any) inline. */
function column(name: string, type: string): string {
  const doc = COLUMN_DESCRIPTIONS[name];
  return `${q(name)} ${type}${doc ? ` COMMENT ${quoteLiteral(doc)}` : ""}`;
}

/**
 * Snowflake: the same tables in Snowflake types (warehouse/snowflake/types.ts), descriptions
 * inline (one statement per object instead of one per comment: every DDL statement is a round
 * trip that commits; a changed description reaches an existing table only by hand). No CHECK
 * constraint (a recent Snowflake addition; the lifecycle writes only the listed values) and no
 * index (standard tables have none); the primary keys are recorded, not enforced: the
 * lifecycle statements keep one row per key. Event ids are AUTOINCREMENT ORDER (new columns
 * default to NOORDER since Snowflake's 2024_01 bundle, whose ids need not increase) so they
 * follow the order events were written, as bigserial's do. The views are replaced with COPY
 * GRANTS so BI roles keep their access. All of it is DDL, so it runs before the
 * reconciliation's first write (see runFamily).
 */
const SNOWFLAKE_STATEMENTS = [
  `CREATE SCHEMA IF NOT EXISTS "recon"`,
  `CREATE TABLE IF NOT EXISTS "recon"."discrepancy" (
     ${column("category", "VARCHAR NOT NULL")},
     ${column("key", "VARCHAR NOT NULL")},
     ${column("family", "VARCHAR NOT NULL")},
     ${column("customer_id", "VARCHAR")},
     ${column("entity", "VARCHAR")},
     ${column("left_system", "VARCHAR")},
     ${column("left_value", "VARCHAR")},
     ${column("right_system", "VARCHAR")},
     ${column("right_value", "VARCHAR")},
     ${column("delta", "NUMBER(38,10)")},
     ${column("currency", "VARCHAR")},
     ${column("amount_reporting", "NUMBER(38,10)")},
     ${column("reporting_currency", "VARCHAR")},
     ${column("detail", "VARIANT")},
     ${column("status", "VARCHAR NOT NULL")},
     ${column("first_seen_at", "TIMESTAMP_TZ NOT NULL")},
     ${column("last_seen_at", "TIMESTAMP_TZ NOT NULL")},
     ${column("resolved_at", "TIMESTAMP_TZ")},
     ${column("reopened_count", "NUMBER(38,0) NOT NULL DEFAULT 0")},
     ${column("owner_team", "VARCHAR NOT NULL")},
     ${column("last_run_id", "VARCHAR")},
     PRIMARY KEY ("category", "key")
   ) COMMENT = ${quoteLiteral(DISCREPANCY_DESCRIPTION)}`,
  `CREATE TABLE IF NOT EXISTS "recon"."discrepancy_events" (
     "id" NUMBER(38,0) NOT NULL AUTOINCREMENT ORDER COMMENT 'Increasing in the order events were written.',
     "run_id" VARCHAR NOT NULL,
     "at" TIMESTAMP_TZ NOT NULL,
     "category" VARCHAR NOT NULL,
     "key" VARCHAR NOT NULL,
     "event" VARCHAR NOT NULL COMMENT 'opened, reopened or resolved.',
     PRIMARY KEY ("id")
   ) COMMENT = ${quoteLiteral(EVENTS_DESCRIPTION)}`,
  `CREATE TABLE IF NOT EXISTS "recon"."history" (
     "day" DATE NOT NULL,
     "category" VARCHAR NOT NULL,
     "entity" VARCHAR NOT NULL,
     "currency" VARCHAR NOT NULL,
     "open_count" NUMBER(38,0) NOT NULL,
     "amount_reporting" NUMBER(38,10) NOT NULL,
     "reporting_currency" VARCHAR,
     PRIMARY KEY ("day", "category", "entity", "currency")
   ) COMMENT = ${quoteLiteral(HISTORY_DESCRIPTION)}`,
  `CREATE TABLE IF NOT EXISTS "recon"."rule_status" (
     "category" VARCHAR NOT NULL,
     "family" VARCHAR NOT NULL,
     "status" VARCHAR NOT NULL COMMENT 'ran, not_run or disabled.',
     "reason" VARCHAR,
     "last_run_id" VARCHAR,
     "checked_at" TIMESTAMP_TZ NOT NULL,
     PRIMARY KEY ("category")
   ) COMMENT = ${quoteLiteral(RULE_STATUS_DESCRIPTION)}`,
  `CREATE OR REPLACE VIEW "recon"."open_discrepancies" COPY GRANTS COMMENT = ${quoteLiteral(OPEN_DESCRIPTION)} AS
     SELECT d.*, DATEDIFF('day', CAST(d.first_seen_at AS DATE), CURRENT_DATE()) AS age_days,
            CASE WHEN DATEDIFF('day', CAST(d.first_seen_at AS DATE), CURRENT_DATE()) <= 7 THEN '0-7 days'
                 WHEN DATEDIFF('day', CAST(d.first_seen_at AS DATE), CURRENT_DATE()) <= 30 THEN '8-30 days'
                 WHEN DATEDIFF('day', CAST(d.first_seen_at AS DATE), CURRENT_DATE()) <= 90 THEN '31-90 days'
                 ELSE '90+ days' END AS age_bucket
       FROM "recon"."discrepancy" d WHERE d.status = 'open'`,
  `CREATE OR REPLACE VIEW "recon"."summary" COPY GRANTS COMMENT = ${quoteLiteral(SUMMARY_DESCRIPTION)} AS
     SELECT s.*, r.status AS rule_status, r.reason AS rule_reason FROM (
       SELECT category, coalesce(entity, 'unknown') AS entity, coalesce(currency, 'n/a') AS currency, age_bucket,
              owner_team, count(*) AS open_count, coalesce(sum(amount_reporting), 0) AS amount_reporting,
              min(reporting_currency) AS reporting_currency,
              coalesce(sum(abs(delta)), 0) AS abs_delta
         FROM "recon"."open_discrepancies"
        GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), age_bucket, owner_team
     ) s LEFT JOIN "recon"."rule_status" r ON r.category = s.category
     UNION ALL
     ${notCheckedRows(`"recon"."rule_status"`, `"recon"."open_discrepancies"`, { count: "NUMBER(38,0)", amount: "NUMBER(38,10)" })}`,
];

function reconSchemaStatements(dialect: WarehouseSession["dialect"]): readonly string[] {
  return dialect === "snowflake" ? SNOWFLAKE_STATEMENTS : POSTGRES_STATEMENTS;
}

export async function ensureReconSchema(tx: WarehouseSession): Promise<void> {
  await tx.lockForTransaction("ddl");
  for (const s of reconSchemaStatements(tx.dialect)) await tx.query(s);
}
