import { quoteLiteral } from "../identifiers.js";
import type { WarehouseSession } from "../interfaces.js";
import type { FamilyLifecycleRun, LifecycleCounts } from "../statements/reconcile.js";

/**
 * Snowflake: DDL commits on its own there, and a transaction's session refuses it once the first
 * write has begun the transaction (see TransactionRunner), so every DDL statement comes first:
 * the rules' rows in a temporary table (checked for duplicate keys), the detail table replaced
 * from it in one statement (`CREATE OR REPLACE … AS`: readers see the old one until the new one
 * is complete; COPY GRANTS keeps BI's access), and a temporary table of the lifecycle's changes,
 * computed before anything moves (Snowflake has no RETURNING). The writes then run in one
 * transaction: resolve, reopen, refresh, open, the events (from the changes table), the day's
 * history, the review side. The detail table is committed by its DDL, so a failed write leaves
 * it newer than recon.discrepancy until the next run. No ANALYZE: Snowflake keeps its own
 * statistics. The temporary tables live in this session only and are replaced by the family's
 * next run on it. The detail table's column descriptions are DDL too, written right after it.
 */
export async function runLifecycle(tx: WarehouseSession, run: FamilyLifecycleRun): Promise<LifecycleCounts> {
  const { categories, reportingCurrency } = run;
  const detail = tx.quoteTable({ schema: "recon", name: `${run.family}_detail` });
  const fresh = tx.quoteTable({ schema: "recon", name: `${run.family}_detail__new` });
  const changes = tx.quoteTable({ schema: "recon", name: `${run.family}_detail__changes` });
  // Categories come from the rules' code; inlined, as Snowflake binds no arrays.
  const inCategories = `IN (${categories.map((c) => quoteLiteral(c)).join(", ") || "NULL"})`;
  const discrepancy = `"recon"."discrepancy"`;

  // DDL, before the first write. The rules' rows land in a temporary table first, so a family
  // that breaks the one-row-per-key contract leaves the detail table as it was (as on Postgres).
  await tx.query(`CREATE OR REPLACE TEMPORARY TABLE ${fresh} AS\n${run.select}`);
  await run.checkKeys(fresh);
  await tx.query(
    `CREATE OR REPLACE TABLE ${detail} COPY GRANTS COMMENT = ${quoteLiteral(run.description)} AS SELECT * FROM ${fresh}`,
  );
  await run.describeDetail();
  await tx.query(
    `CREATE OR REPLACE TEMPORARY TABLE ${changes} AS
     SELECT d.category, d.key, 'resolved' AS event FROM ${discrepancy} d
      WHERE d.status = 'open' AND d.category ${inCategories}${run.keepOpen}
        AND NOT EXISTS (SELECT 1 FROM ${detail} s WHERE s.category = d.category AND s.key = d.key)
     UNION ALL
     SELECT d.category, d.key, 'reopened' AS event FROM ${discrepancy} d
       JOIN ${detail} s ON s.category = d.category AND s.key = d.key
      WHERE d.status = 'resolved'
     UNION ALL
     SELECT s.category, s.key, 'opened' AS event FROM ${detail} s
      WHERE NOT EXISTS (SELECT 1 FROM ${discrepancy} d WHERE d.category = s.category AND d.key = s.key)`,
  );

  // DML: the first write begins the transaction. $1 as-of, $2 run id, $3 family.
  const at = `TO_TIMESTAMP_TZ($1)`;
  const params = [run.asOf, run.runId];
  const valueSet = `customer_id = s.customer_id, entity = s.entity, left_system = s.left_system, left_value = s.left_value,
      right_system = s.right_system, right_value = s.right_value, delta = s.delta, currency = s.currency,
      amount_reporting = s.amount_reporting, reporting_currency = ${reportingCurrency}, detail = s.detail, last_seen_at = ${at}, last_run_id = $2`;
  await tx.query(
    `UPDATE ${discrepancy} d SET status = 'resolved', resolved_at = ${at}, last_run_id = $2
       FROM ${changes} c
      WHERE c.event = 'resolved' AND d.category = c.category AND d.key = c.key AND d.status = 'open'`,
    params,
  );
  await tx.query(
    `UPDATE ${discrepancy} d SET ${valueSet}, status = 'open', resolved_at = NULL, reopened_count = d.reopened_count + 1
       FROM ${detail} s WHERE d.category = s.category AND d.key = s.key AND d.status = 'resolved'`,
    params,
  );
  await tx.query(
    `UPDATE ${discrepancy} d SET ${valueSet}
       FROM ${detail} s WHERE d.category = s.category AND d.key = s.key AND d.status = 'open'`,
    params,
  );
  await tx.query(
    `INSERT INTO ${discrepancy} (category, key, family, customer_id, entity, left_system, left_value, right_system,
            right_value, delta, currency, amount_reporting, reporting_currency, detail, status, first_seen_at, last_seen_at, owner_team, last_run_id)
     SELECT s.category, s.key, $3, s.customer_id, s.entity, s.left_system, s.left_value, s.right_system, s.right_value,
            s.delta, s.currency, s.amount_reporting, ${reportingCurrency}, s.detail, 'open', ${at}, ${at}, ${run.ownerTeam}, $2
       FROM ${detail} s
      WHERE NOT EXISTS (SELECT 1 FROM ${discrepancy} d WHERE d.category = s.category AND d.key = s.key)`,
    [...params, run.family],
  );
  await tx.query(
    `INSERT INTO "recon"."discrepancy_events" (run_id, "at", category, key, event)
     SELECT $2, ${at}, c.category, c.key, c.event FROM ${changes} c
      ORDER BY CASE c.event WHEN 'opened' THEN 1 WHEN 'reopened' THEN 2 ELSE 3 END`,
    params,
  );
  // The as-of's day in UTC (the session's time zone, see warehouse/snowflake/driver.ts).
  const day = `CAST(CONVERT_TIMEZONE('UTC', ${at}) AS DATE)`;
  await tx.query(`DELETE FROM "recon"."history" WHERE "day" = ${day} AND category ${inCategories}`, [
    run.asOf,
  ]);
  await tx.query(
    `INSERT INTO "recon"."history" ("day", category, entity, currency, open_count, amount_reporting, reporting_currency)
     SELECT ${day}, category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), count(*), coalesce(sum(amount_reporting), 0), ${reportingCurrency}
       FROM ${discrepancy} WHERE status = 'open' AND category ${inCategories}
      GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a')`,
    [run.asOf],
  );
  await run.review();
  const counts = await tx.query<{ event: string; n: string | number }>(
    `SELECT event, count(*) AS n FROM ${changes} GROUP BY event`,
  );
  const n = (event: string) => Number(counts.find((r) => r.event === event)?.n ?? 0);
  return { opened: n("opened"), reopened: n("reopened"), resolved: n("resolved") };
}
