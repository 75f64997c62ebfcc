import type { WarehouseSession } from "../interfaces.js";
import { quoteIdentifier as q, quoteLiteral } from "../identifiers.js";
import type { ReconcileStatements, ReconDescriptions, ReconObject } from "../statements/reconcile.js";
import { SUMMARY_COLUMNS, summarySelect } from "../statements/recon-views.js";
import { runLifecycle } from "./reconcile-lifecycle.js";

/** recon.discrepancy's columns in Snowflake types (warehouse/snowflake/types.ts), in order. */
const DISCREPANCY: [string, string][] = [
  ["category", "VARCHAR NOT NULL"],
  ["key", "VARCHAR NOT NULL"],
  ["family", "VARCHAR NOT NULL"],
  ["customer_id", "VARCHAR"],
  ["entity", "VARCHAR"],
  ["left_system", "VARCHAR"],
  ["left_value", "VARCHAR"],
  ["right_system", "VARCHAR"],
  ["right_value", "VARCHAR"],
  ["delta", "NUMBER(38,10)"],
  ["currency", "VARCHAR"],
  ["amount_reporting", "NUMBER(38,10)"],
  ["reporting_currency", "VARCHAR"],
  ["detail", "VARIANT"],
  ["status", "VARCHAR NOT NULL"],
  ["first_seen_at", "TIMESTAMP_TZ NOT NULL"],
  ["last_seen_at", "TIMESTAMP_TZ NOT NULL"],
  ["resolved_at", "TIMESTAMP_TZ"],
  ["reopened_count", "NUMBER(38,0) NOT NULL DEFAULT 0"],
  ["owner_team", "VARCHAR NOT NULL"],
  ["last_run_id", "VARCHAR"],
];

/** The ledger's columns, added to a recon.discrepancy made before them. */
const LEDGER: [string, string][] = [
  ["review_state", "VARCHAR NOT NULL DEFAULT 'unreviewed'"],
  ["assignee", "VARCHAR"],
  ["reason_code", "VARCHAR"],
  ["note", "VARCHAR"],
  ["reviewed_by", "VARCHAR"],
  ["reviewed_at", "TIMESTAMP_TZ"],
  ["due_at", "TIMESTAMP_TZ"],
  ["period", "VARCHAR"],
  ["explained_left_value", "VARCHAR"],
  ["explained_right_value", "VARCHAR"],
  ["explained_delta", "NUMBER(38,10)"],
];

const t = (name: string) => `${q("recon")}.${q(name)}`;

/** A column's quoted name with its description (if any) inline. */
function described(docs: ReconDescriptions, object: ReconObject, name: string, type?: string): string {
  const doc = docs.column(name, object);
  return `${q(name)}${type ? ` ${type}` : ""}${doc ? ` COMMENT ${quoteLiteral(doc)}` : ""}`;
}

function table(
  docs: ReconDescriptions,
  name: ReconObject,
  columns: [string, string][],
  key: string[],
): string {
  return `CREATE TABLE IF NOT EXISTS ${t(name)} (
     ${columns.map(([c, type]) => described(docs, name, c, type)).join(",\n     ")},
     PRIMARY KEY (${key.map(q).join(", ")})
   ) COMMENT = ${quoteLiteral(docs.object(name))}`;
}

/** A view replaced in place: its columns listed with their descriptions, its grants kept. */
function view(
  docs: ReconDescriptions,
  name: ReconObject,
  columns: readonly string[],
  select: string,
): string {
  const list = columns.map((c) => described(docs, name, c)).join(", ");
  return `CREATE OR REPLACE VIEW ${t(name)} (${list}) COPY GRANTS COMMENT = ${quoteLiteral(docs.object(name))} AS
     ${select}`;
}

const ageDays = `DATEDIFF('day', CAST(d.first_seen_at AS DATE), a.as_of_day)`;

/**
 * Snowflake: descriptions inline (one statement per object instead of one per comment: every
 * DDL statement is a round trip that commits; a changed description reaches an existing table
 * only by hand). No CHECK constraint (a recent Snowflake addition; the lifecycle writes only
 * the listed values) and no index (standard tables have none); the primary keys are recorded,
 * not enforced: the lifecycle statements keep one row per key. Event ids are AUTOINCREMENT
 * ORDER (new columns default to NOORDER since Snowflake's 2024_01 bundle, whose ids need not
 * increase) so they follow the order events were written, as bigserial's do. The views are
 * replaced with COPY GRANTS so BI roles keep their access. All of it is DDL, so it runs before
 * the reconciliation's first write. Snowflake has no conditional DDL outside a scripting block:
 * docs/operations.md gives the statements that rename a table's amount_usd there, once.
 */
function createSchema(docs: ReconDescriptions): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q("recon")}`,
    table(docs, "discrepancy", [...DISCREPANCY, ...LEDGER], ["category", "key"]),
    ...LEDGER.map(
      ([name, type]) =>
        `ALTER TABLE ${t("discrepancy")} ADD COLUMN IF NOT EXISTS ${described(docs, "discrepancy", name, type)}`,
    ),
    table(
      docs,
      "discrepancy_events",
      [
        ["id", "NUMBER(38,0) NOT NULL AUTOINCREMENT ORDER"],
        ["run_id", "VARCHAR NOT NULL"],
        ["at", "TIMESTAMP_TZ NOT NULL"],
        ["category", "VARCHAR NOT NULL"],
        ["key", "VARCHAR NOT NULL"],
        ["event", "VARCHAR NOT NULL"],
        ["actor", "VARCHAR"],
        ["event_detail", "VARIANT"],
      ],
      ["id"],
    ),
    `ALTER TABLE ${t("discrepancy_events")} ADD COLUMN IF NOT EXISTS ${described(docs, "discrepancy_events", "actor", "VARCHAR")}`,
    `ALTER TABLE ${t("discrepancy_events")} ADD COLUMN IF NOT EXISTS ${described(docs, "discrepancy_events", "event_detail", "VARIANT")}`,
    table(
      docs,
      "signoff",
      [
        ["period", "VARCHAR NOT NULL"],
        ["entity", "VARCHAR NOT NULL"],
        ["signed_by", "VARCHAR NOT NULL"],
        ["signed_at", "TIMESTAMP_TZ NOT NULL"],
        ["snapshot", "VARIANT NOT NULL"],
        ["changed_at", "TIMESTAMP_TZ"],
        ["changed_run_id", "VARCHAR"],
      ],
      ["period", "entity"],
    ),
    table(
      docs,
      "history",
      [
        ["day", "DATE NOT NULL"],
        ["category", "VARCHAR NOT NULL"],
        ["entity", "VARCHAR NOT NULL"],
        ["currency", "VARCHAR NOT NULL"],
        ["open_count", "NUMBER(38,0) NOT NULL"],
        ["amount_reporting", "NUMBER(38,10) NOT NULL"],
        ["reporting_currency", "VARCHAR"],
      ],
      ["day", "category", "entity", "currency"],
    ),
    table(
      docs,
      "rule_status",
      [
        ["category", "VARCHAR NOT NULL"],
        ["family", "VARCHAR NOT NULL"],
        ["status", "VARCHAR NOT NULL"],
        ["reason", "VARCHAR"],
        ["last_run_id", "VARCHAR"],
        ["checked_at", "TIMESTAMP_TZ NOT NULL"],
      ],
      ["category"],
    ),
    view(
      docs,
      "open_discrepancies",
      [...[...DISCREPANCY, ...LEDGER].map(([c]) => c), "age_days", "age_bucket"],
      `SELECT d.*, ${ageDays} AS age_days,
            CASE WHEN ${ageDays} <= 7 THEN '0-7 days'
                 WHEN ${ageDays} <= 30 THEN '8-30 days'
                 WHEN ${ageDays} <= 90 THEN '31-90 days'
                 ELSE '90+ days' END AS age_bucket
       FROM ${t("discrepancy")} d
       CROSS JOIN (SELECT CAST(coalesce(max(checked_at), CURRENT_TIMESTAMP()) AS DATE) AS as_of_day FROM ${t("rule_status")}) a
      WHERE d.status = 'open'`,
    ),
    view(
      docs,
      "summary",
      SUMMARY_COLUMNS,
      summarySelect(
        { open: t("open_discrepancies"), ruleStatus: t("rule_status") },
        { count: "NUMBER(38,0)", amount: "NUMBER(38,10)" },
      ),
    ),
  ];
}

/**
 * Every table and view above carries its columns' descriptions inline. A family's detail table
 * is made by CREATE TABLE … AS SELECT, which takes none: its described columns get theirs here,
 * in one ALTER TABLE (DDL, so the lifecycle calls it before the transaction's first write).
 */
async function describeColumns(tx: WarehouseSession, docs: ReconDescriptions, table?: string): Promise<void> {
  if (!table) return;
  const described = (await tx.columns({ schema: "recon", name: table }))
    .map((c) => [c.name, docs.column(c.name, table)] as const)
    .filter((c): c is readonly [string, string] => c[1] !== undefined);
  if (!described.length) return;
  await tx.query(
    `ALTER TABLE ${tx.quoteTable({ schema: "recon", name: table })} ALTER ${described
      .map(([c, doc]) => `${tx.quoteIdent(c)} COMMENT ${quoteLiteral(doc)}`)
      .join(", ")}`,
  );
}

export const snowflakeReconcileStatements: ReconcileStatements = {
  createSchema,
  replaceView: (name, select, columns, docs) => [view(docs, name, columns, select)],
  describeColumns,
  runLifecycle,
};
