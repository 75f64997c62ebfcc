import { sqlDialect } from "../models/dialects.js";
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
  "Every event of every discrepancy, in order: the data's (opened, resolved, reopened, explanation_reset, in which run) and people's (assigned, explained, review_reopened, with the actor).";
const SIGNOFF_DESCRIPTION =
  "Month-end close: one row per signed month and entity (all: every entity), who signed, when, the open items by review state then, and whether a later run changed items dated in that month.";
const QUEUE_DESCRIPTION =
  "The exception queue: open discrepancies not explained, with customer, both documents, the amount at stake and what it means, due date and age from the last reconciliation's as-of.";
const CLOSE_DESCRIPTION =
  "Month-end close per month (of the items' dates) and entity: open items by review state, the unexplained ones above reconciliation.materiality that block sign-off, and the sign-off if any.";
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
  status: "open or resolved: what the data says (people's view is review_state).",
  first_seen_at: "As-of time of the run that first found it.",
  owner_team: "Team that works this category (config reconciliation.ownerTeams).",
  review_state:
    "unreviewed, assigned or explained. An explanation holds while the values are the ones explained; when they change it returns to unreviewed (event explanation_reset).",
  assignee: "Who works it (trueup recon assign).",
  reason_code:
    "Why it is explained: one of reconciliation.reasonCodes (timing, known_difference, fixed_at_source, write_off, other by default).",
  note: "The explanation's words.",
  reviewed_by: "Who last assigned, explained or reopened it.",
  reviewed_at: "When they did.",
  due_at: "First seen plus the category's SLA in days (reconciliation.sla, else reconciliation.slaDays).",
  period:
    "Month (YYYY-MM) the item is dated in: that of the as-of of the run that first found it. Sign-off is per period.",
  explained_left_value:
    "left_value when it was explained: the explanation holds while left_value, right_value and delta are unchanged.",
  explained_right_value: "right_value when it was explained.",
  explained_delta: "delta when it was explained.",
};

/**
 * Descriptions of the other columns of recon's tables and views, by name (a name means the same
 * wherever it occurs); recon.discrepancy's names above apply to the views that show them.
 */
const OTHER_COLUMN_DESCRIPTIONS: Record<string, string> = {
  family: "Rule family (DAG node recon.<family>) that found it.",
  entity: "Legal entity (us, eu) when known.",
  left_system: "System holding the record the key names.",
  right_system: "System it is compared with.",
  currency: "Currency of left_value, right_value and delta.",
  detail: "Both sides' values, match method and anything else a reviewer needs, as the rule found them.",
  last_seen_at: "As-of time of the last run that found it (open) or saw it (resolved).",
  resolved_at: "As-of time of the run that no longer found it; NULL while open.",
  reopened_count: "How often it came back after being resolved.",
  last_run_id: "The run that last changed it.",
  id: "Increasing in the order events were written.",
  run_id: "The run that wrote it (manual for a person's action outside a run).",
  at: "When: a run's as-of for the data's events, the wall clock for people's.",
  event:
    "opened, resolved, reopened, explanation_reset (by a run); assigned, explained, review_reopened (by a person).",
  actor: "Who acted: --by, TRUEUP_USER or the OS user; NULL for a run's own events.",
  event_detail:
    "What the action set (assignee, reason_code, note) or, for explanation_reset, the values explained and the new ones.",
  day: "Day (UTC) of the run's as-of.",
  open_count: "Open discrepancies.",
  reason: "Why a rule did not run.",
  checked_at: "As-of time of the reconciliation that wrote the row.",
  age_days: "Days from first seen to the last reconciliation's as-of.",
  age_bucket: "0-7, 8-30, 31-90 or 90+ days of age_days.",
  abs_delta: "Sum of the absolute differences, in each row's currency.",
  rule_status: "Whether the last reconciliation ran the category's rule: ran, not_run or disabled.",
  rule_reason: "Why the rule did not run.",
  customer_name: "Canonical customer's name.",
  left_document: "The document on the left side: its number when the rule knows it, else the key's id.",
  right_document: "The document on the right side (ERP number or id) when there is one.",
  amount_meaning:
    "What amount_reporting is: whole document (a record missing on one side, or sides that disagree on status or currency: the document's amount), difference (an amount mismatch: the difference), none (no amount).",
  overdue: "Past due_at at the as-of.",
  as_of: "As-of time of the last reconciliation (the newest checked_at of recon.rule_status).",
  signed_by: "Who signed.",
  signed_at: "When (wall clock).",
  snapshot: "Open items of the month and entity by review state at sign-off: count and amount_reporting.",
  changed_at:
    "As-of of the first later run that changed items dated in the month (new, reopened or explanation reset): the sign-off is flagged, not altered. NULL: unchanged.",
  changed_run_id: "That run.",
  open: "Open items.",
  unreviewed: "Open items not yet reviewed.",
  assigned: "Open items assigned.",
  explained: "Open items explained.",
  blocking:
    "Open items not explained with amount_reporting above reconciliation.materiality: sign-off is refused while this is above 0.",
  signed: "Whether the month and entity (or all entities) is signed.",
};

/** A recon column's description; undefined for one nobody described (a test checks there is none). */
export function reconColumnDescription(column: string): string | undefined {
  return COLUMN_DESCRIPTIONS[column] ?? OTHER_COLUMN_DESCRIPTIONS[column];
}

/** Columns the ledger adds to recon.discrepancy, with their Postgres and Snowflake types. */
const LEDGER_COLUMNS: [string, string, string][] = [
  ["review_state", "text NOT NULL DEFAULT 'unreviewed'", "VARCHAR NOT NULL DEFAULT 'unreviewed'"],
  ["assignee", "text", "VARCHAR"],
  ["reason_code", "text", "VARCHAR"],
  ["note", "text", "VARCHAR"],
  ["reviewed_by", "text", "VARCHAR"],
  ["reviewed_at", "timestamptz", "TIMESTAMP_TZ"],
  ["due_at", "timestamptz", "TIMESTAMP_TZ"],
  ["period", "text", "VARCHAR"],
  ["explained_left_value", "text", "VARCHAR"],
  ["explained_right_value", "text", "VARCHAR"],
  ["explained_delta", "numeric", "NUMBER(38,10)"],
];

/**
 * The exception queue and close views, one text for both dialects (dialect helpers for the day
 * arithmetic and JSON). The as-of is the newest checked_at of recon.rule_status (every family
 * writes its run's as-of there); the customer's name comes from canonical.customer when the
 * project has it.
 */
function ledgerViews(
  dialect: WarehouseSession["dialect"],
  opts: { materiality: number; withCustomer: boolean },
): { queue: string; close: string } {
  const d = sqlDialect(dialect);
  const t = (name: string) => `${d.quote("recon")}.${d.quote(name)}`;
  const queue = `SELECT q.category, q.key, q.customer_id, q.customer_name, q.entity, q.currency, q.left_system, q.left_document,
            q.left_value, q.right_system, q.right_document, q.right_value, q.delta, q.amount_reporting, q.reporting_currency,
            q.amount_meaning, q.review_state, q.assignee, q.due_at, q.overdue, q.period, q.first_seen_at, q.as_of, q.age_days,
            q.owner_team
       FROM (${ledgerItemsSelect(dialect, opts)}) q
      WHERE q.status = 'open' AND q.review_state <> 'explained'`;
  const material = `d.review_state <> 'explained' AND coalesce(d.amount_reporting, 0) > ${opts.materiality}`;
  const close = `SELECT g.period, g.entity, g.open, g.unreviewed, g.assigned, g.explained, g.blocking, g.amount_reporting,
            CASE WHEN s.period IS NULL THEN false ELSE true END AS signed, s.signed_by, s.signed_at, s.changed_at
       FROM (SELECT d.period, coalesce(d.entity, 'unknown') AS entity, count(*) AS open,
                    sum(CASE WHEN d.review_state = 'unreviewed' THEN 1 ELSE 0 END) AS unreviewed,
                    sum(CASE WHEN d.review_state = 'assigned' THEN 1 ELSE 0 END) AS assigned,
                    sum(CASE WHEN d.review_state = 'explained' THEN 1 ELSE 0 END) AS explained,
                    sum(CASE WHEN ${material} THEN 1 ELSE 0 END) AS blocking,
                    coalesce(sum(d.amount_reporting), 0) AS amount_reporting
               FROM ${t("discrepancy")} d WHERE d.status = 'open' AND d.period IS NOT NULL
              GROUP BY d.period, coalesce(d.entity, 'unknown')) g
       LEFT JOIN ${t("signoff")} s ON s.period = g.period AND s.entity = g.entity`;
  return { queue, close };
}

/**
 * Every discrepancy with what a reviewer reads beside it (customer name, both documents, what
 * the amount means, overdue, age from the last reconciliation's as-of): the exception queue's
 * rows and the ledger's list (reconcile/ledger-actions.ts) both select from it.
 */
export function ledgerItemsSelect(
  dialect: WarehouseSession["dialect"],
  opts: { withCustomer: boolean },
): string {
  const d = sqlDialect(dialect);
  const t = (name: string) => `${d.quote("recon")}.${d.quote(name)}`;
  const customer = opts.withCustomer
    ? `LEFT JOIN ${d.quote("canonical")}.${d.quote("customer")} c ON c.customer_id = d.customer_id`
    : "";
  return `SELECT d.category, d.key, d.status, d.customer_id, ${opts.withCustomer ? "c.name" : d.cast("NULL", "text")} AS customer_name,
            d.entity, d.currency, d.left_system,
            coalesce(${d.jsonText("d.detail", "number")}, substr(d.key, position(':' in d.key) + 1)) AS left_document,
            d.left_value, d.right_system,
            coalesce(${d.jsonText("d.detail", "erp_number")}, ${d.jsonText("d.detail", "erp_invoice_id")}) AS right_document,
            d.right_value, d.delta, d.amount_reporting, d.reporting_currency,
            CASE WHEN d.amount_reporting IS NULL THEN 'none' WHEN d.delta IS NOT NULL THEN 'difference'
                 ELSE 'whole document' END AS amount_meaning,
            d.review_state, d.assignee, d.reason_code, d.note, d.reviewed_by, d.reviewed_at, d.due_at,
            CASE WHEN d.due_at < a.as_of AND d.review_state <> 'explained' THEN true ELSE false END AS overdue,
            d.period, d.first_seen_at, d.last_seen_at, a.as_of, ${d.daysBetween("d.first_seen_at", "a.as_of")} AS age_days,
            d.owner_team, d.detail
       FROM ${t("discrepancy")} d
       CROSS JOIN (SELECT max(checked_at) AS as_of FROM ${t("rule_status")}) a
       ${customer}`;
}

/** Whether the project has canonical.customer (a project of its own models may not). */
export async function hasCustomerTable(tx: WarehouseSession): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM information_schema.tables WHERE lower(table_schema) = 'canonical' AND lower(table_name) = 'customer'`,
  );
  return rows.length > 0;
}

/** Adds the ledger's columns to a recon.discrepancy made before them; nothing when they are there. */
function ledgerColumnsAdded(dialect: WarehouseSession["dialect"]): string[] {
  const table = dialect === "snowflake" ? `"recon"."discrepancy"` : "recon.discrepancy";
  return LEDGER_COLUMNS.map(
    ([name, pg, sf]) =>
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${dialect === "snowflake" ? column(name, sf) : `${name} ${pg}`}`,
  );
}

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
  ...ledgerColumnsAdded("postgres"),
  // Views made before the ledger's columns list fewer of recon.discrepancy's (d.*): made again below.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = 'recon' AND table_name = 'open_discrepancies' AND column_name = 'review_state') THEN
       DROP VIEW IF EXISTS recon.summary;
       DROP VIEW IF EXISTS recon.open_discrepancies;
     END IF;
   END $$`,
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
     event text NOT NULL
   )`,
  `ALTER TABLE recon.discrepancy_events DROP CONSTRAINT IF EXISTS discrepancy_events_event_check`,
  `ALTER TABLE recon.discrepancy_events ADD COLUMN IF NOT EXISTS actor text`,
  `ALTER TABLE recon.discrepancy_events ADD COLUMN IF NOT EXISTS event_detail jsonb`,
  `COMMENT ON TABLE recon.discrepancy_events IS ${quoteLiteral(EVENTS_DESCRIPTION)}`,
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
  `COMMENT ON TABLE recon.signoff IS ${quoteLiteral(SIGNOFF_DESCRIPTION)}`,
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
  const doc = reconColumnDescription(name);
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
     ${LEDGER_COLUMNS.map(([name, , sf]) => column(name, sf)).join(",\n     ")},
     PRIMARY KEY ("category", "key")
   ) COMMENT = ${quoteLiteral(DISCREPANCY_DESCRIPTION)}`,
  ...ledgerColumnsAdded("snowflake"),
  `CREATE TABLE IF NOT EXISTS "recon"."discrepancy_events" (
     "id" NUMBER(38,0) NOT NULL AUTOINCREMENT ORDER COMMENT 'Increasing in the order events were written.',
     "run_id" VARCHAR NOT NULL,
     "at" TIMESTAMP_TZ NOT NULL,
     "category" VARCHAR NOT NULL,
     "key" VARCHAR NOT NULL,
     "event" VARCHAR NOT NULL,
     ${column("actor", "VARCHAR")},
     ${column("event_detail", "VARIANT")},
     PRIMARY KEY ("id")
   ) COMMENT = ${quoteLiteral(EVENTS_DESCRIPTION)}`,
  `ALTER TABLE "recon"."discrepancy_events" ADD COLUMN IF NOT EXISTS ${column("actor", "VARCHAR")}`,
  `ALTER TABLE "recon"."discrepancy_events" ADD COLUMN IF NOT EXISTS ${column("event_detail", "VARIANT")}`,
  `CREATE TABLE IF NOT EXISTS "recon"."signoff" (
     ${column("period", "VARCHAR NOT NULL")},
     ${column("entity", "VARCHAR NOT NULL")},
     ${column("signed_by", "VARCHAR NOT NULL")},
     ${column("signed_at", "TIMESTAMP_TZ NOT NULL")},
     ${column("snapshot", "VARIANT NOT NULL")},
     ${column("changed_at", "TIMESTAMP_TZ")},
     ${column("changed_run_id", "VARCHAR")},
     PRIMARY KEY ("period", "entity")
   ) COMMENT = ${quoteLiteral(SIGNOFF_DESCRIPTION)}`,
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
     SELECT d.*, DATEDIFF('day', CAST(d.first_seen_at AS DATE), a.as_of_day) AS age_days,
            CASE WHEN DATEDIFF('day', CAST(d.first_seen_at AS DATE), a.as_of_day) <= 7 THEN '0-7 days'
                 WHEN DATEDIFF('day', CAST(d.first_seen_at AS DATE), a.as_of_day) <= 30 THEN '8-30 days'
                 WHEN DATEDIFF('day', CAST(d.first_seen_at AS DATE), a.as_of_day) <= 90 THEN '31-90 days'
                 ELSE '90+ days' END AS age_bucket
       FROM "recon"."discrepancy" d
       CROSS JOIN (SELECT CAST(coalesce(max(checked_at), CURRENT_TIMESTAMP()) AS DATE) AS as_of_day FROM "recon"."rule_status") a
      WHERE d.status = 'open'`,
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

/** The ledger's views, replaced each run (materiality comes from the config; the customer table may come later). */
function ledgerViewStatements(
  dialect: WarehouseSession["dialect"],
  opts: { materiality: number; withCustomer: boolean },
): string[] {
  const { queue, close } = ledgerViews(dialect, opts);
  if (dialect === "snowflake")
    return [
      `CREATE OR REPLACE VIEW "recon"."exception_queue" COPY GRANTS COMMENT = ${quoteLiteral(QUEUE_DESCRIPTION)} AS ${queue}`,
      `CREATE OR REPLACE VIEW "recon"."close_status" COPY GRANTS COMMENT = ${quoteLiteral(CLOSE_DESCRIPTION)} AS ${close}`,
    ];
  // Same columns and types with or without canonical.customer (a NULL name), so both replace in place.
  return [
    `CREATE OR REPLACE VIEW recon.exception_queue AS ${queue}`,
    `COMMENT ON VIEW recon.exception_queue IS ${quoteLiteral(QUEUE_DESCRIPTION)}`,
    `CREATE OR REPLACE VIEW recon.close_status AS ${close}`,
    `COMMENT ON VIEW recon.close_status IS ${quoteLiteral(CLOSE_DESCRIPTION)}`,
  ];
}

/**
 * Postgres: COMMENT ON COLUMN for every column of recon's tables and views that has a
 * description (the detail tables' too), in one round trip. Snowflake carries its tables'
 * descriptions inline.
 */
export async function commentReconColumns(tx: WarehouseSession, table?: string): Promise<void> {
  if (tx.dialect === "snowflake") return;
  const cols = await tx.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'recon' AND ($1::text IS NULL OR table_name = $1) AND table_name NOT LIKE '%\\_\\_new'`,
    [table ?? null],
  );
  const statements = cols.flatMap((c) => {
    const doc = reconColumnDescription(c.column_name);
    return doc
      ? [`COMMENT ON COLUMN recon.${q(c.table_name)}.${q(c.column_name)} IS ${quoteLiteral(doc)}`]
      : [];
  });
  if (statements.length) await tx.query(statements.join(";\n"));
}

export async function ensureReconSchema(
  tx: WarehouseSession,
  options: { materiality?: number } = {},
): Promise<void> {
  await tx.lockForTransaction("ddl");
  for (const s of reconSchemaStatements(tx.dialect)) await tx.query(s);
  const opts = { materiality: options.materiality ?? 0, withCustomer: await hasCustomerTable(tx) };
  for (const s of ledgerViewStatements(tx.dialect, opts)) await tx.query(s);
  await commentReconColumns(tx);
}
