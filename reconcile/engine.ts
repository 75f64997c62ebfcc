import type { Config, DiscrepancyCategory } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import { tableName } from "../load/naming.js";
import { sqlDialect } from "../models/dialects.js";
import { quoteLiteral } from "../warehouse/identifiers.js";
import type { Dialect, Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { DISCREPANCY_COLUMNS, type RuleContext, type RuleFamily, type RuleNotRun } from "./interfaces.js";
import { sourceAbsence } from "../models/absent-sources.js";
import { rulesNotRun, unmetNeed } from "./needs.js";
import { writeRuleStatus } from "./rule-status.js";
import { runLedgerLifecycle } from "./ledger-lifecycle.js";
import { commentReconColumns, ensureReconSchema } from "./schema.js";
import { recordingRuleContext, skipOrEvaluate } from "./family-state.js";

export interface FamilyResult {
  family: string;
  /** Open discrepancies per category after this run. */
  open: Partial<Record<DiscrepancyCategory, number>>;
  opened: number;
  reopened: number;
  resolved: number;
  /** Rules that did not run (a system they compare is absent); their discrepancies stay as they were. */
  notRun: RuleNotRun[];
  /** Set when the family was not re-evaluated (rules, settings, as-of and inputs as at its last run). */
  skipped?: "inputs unchanged";
}

export function ruleContext(wh: Warehouse, config: Config, asOf: string): RuleContext {
  return ruleContextFor(wh.dialect, config, asOf);
}

/** The rules' context for a dialect, without a warehouse (`trueup compile`). */
export function ruleContextFor(dialect: Dialect, config: Config, asOf: string): RuleContext {
  const d = sqlDialect(dialect);
  return {
    ref: (model) => {
      const [schema, name] = model.includes(".") ? model.split(".", 2) : ["canonical", model];
      return `${d.quote(schema!)}.${d.quote(name!)}`;
    },
    source: (source, stream) => `${d.quote("staging")}.${d.quote(tableName(source, stream))}`,
    asOf,
    config,
    d,
    settings: config.reconciliation,
  };
}

/**
 * The SQL of a family: every enabled rule whose systems are present, its SELECT tagged with its
 * category, in one UNION ALL.
 */
export function compileFamily(family: RuleFamily, ctx: RuleContext): string {
  const cols = DISCREPANCY_COLUMNS.map((c) => `r.${c}`).join(", ");
  const parts = family.rules
    .filter((r) => !ctx.settings.disabled.includes(r.category) && !unmetNeed(r, ctx.config))
    .map((r) => `SELECT ${quoteLiteral(r.category)} AS category, ${cols} FROM (${r.sql(ctx)}) r`);
  if (parts.length) return parts.join("\nUNION ALL\n");
  // No rule to run: an empty relation with the detail table's columns, so the lifecycle's
  // statements still find every column they name.
  const empty = DISCREPANCY_COLUMNS.map((c) => {
    const value =
      c === "detail"
        ? ctx.d.jsonObject([])
        : ctx.d.cast("NULL", c === "delta" || c === "amount_reporting" ? "numeric" : "text");
    return `${value} AS ${c}`;
  });
  return `SELECT ${ctx.d.cast("NULL", "text")} AS category, ${empty.join(", ")} WHERE 1 = 0`;
}

/**
 * ` AND …` keeping a discrepancy about an absent system out of the resolve step: a run that
 * cannot see NetSuite has not seen a NetSuite discrepancy go away. Empty when every system is on.
 */
function absentSystemsKept(config: Config): string {
  const absent = ["salesforce", "stripe", "netsuite", "zendesk", "erp_files"]
    .filter((s) => sourceAbsence(config, s))
    // Discrepancies name the legacy ERP's records erp_file (as customer_xref does).
    .map((s) => quoteLiteral(s === "erp_files" ? "erp_file" : s));
  if (!absent.length) return "";
  const list = absent.join(", ");
  return ` AND coalesce(d.left_system, '') NOT IN (${list}) AND coalesce(d.right_system, '') NOT IN (${list})`;
}

/**
 * Runs one rule family in one transaction: the detail table is rebuilt from the rules' SQL, then
 * the lifecycle moves in set-based statements: new keys open, resolved keys that came back
 * reopen, open keys no longer found resolve. Nothing is deleted.
 *
 * A family whose rules, settings, as-of and inputs (the models' builds, the staging tables it
 * reads) are those of its last run is not re-evaluated (unless `skipUnchanged: false`): running
 * it would open, reopen, resolve and restate nothing. A model rebuilt (`--full-refresh` rebuilds
 * them all) counts as changed.
 */
export async function runFamily(
  wh: Warehouse,
  family: RuleFamily,
  options: { config: Config; asOf: string; runId: string; log: Logger; skipUnchanged?: boolean },
): Promise<FamilyResult> {
  const recording = recordingRuleContext(ruleContext(wh, options.config, options.asOf));
  const sql = compileFamily(family, recording.ctx);
  // A rule that cannot run leaves its categories alone: not found is not resolved.
  const notRun = rulesNotRun(family, options.config);
  const categories = family.rules.map((r) => r.category).filter((c) => !notRun.some((n) => n.category === c));
  if (notRun.length) options.log.warn({ family: family.name, notRun }, "rules not run");
  const teams = options.config.reconciliation.ownerTeams;
  const teamCase = !categories.length
    ? `'finance'`
    : `CASE category ${categories
        .map((c) => {
          const team = teams[c] ?? family.rules.find((r) => r.category === c)?.ownerTeam ?? "finance";
          return `WHEN ${quoteLiteral(c)} THEN ${quoteLiteral(team)}`;
        })
        .join(" ")} ELSE 'finance' END`;
  const reportingCcy = quoteLiteral(options.config.fx.reportingCurrency.toUpperCase());
  const unseen = absentSystemsKept(options.config);
  const settings = { reconciliation: options.config.reconciliation, reportingCcy, unseen, teamCase, notRun };
  return skipOrEvaluate(
    wh,
    family,
    {
      sql,
      asOf: options.asOf,
      settings: { ...settings, categories },
      models: recording.models,
      sources: recording.sources.values(),
    },
    { ...options, skipUnchanged: options.skipUnchanged !== false },
    (previous: FamilyResult) => ({
      ...previous,
      opened: 0,
      reopened: 0,
      resolved: 0,
      skipped: "inputs unchanged",
    }),
    () => evaluateFamily(wh, family, { ...options, sql, categories, teamCase, notRun, reportingCcy, unseen }),
  );
}

/** A family's run with its SQL and lifecycle settings compiled. */
interface CompiledFamilyRun {
  config: Config;
  asOf: string;
  runId: string;
  log: Logger;
  sql: string;
  categories: readonly DiscrepancyCategory[];
  teamCase: string;
  notRun: RuleNotRun[];
}

async function evaluateFamily(
  wh: Warehouse,
  family: RuleFamily,
  options: CompiledFamilyRun & { reportingCcy: string; unseen: string },
): Promise<FamilyResult> {
  const { sql, categories, teamCase, notRun, reportingCcy, unseen } = options;
  return wh.transaction(async (tx) => {
    await ensureReconSchema(tx, { materiality: options.config.reconciliation.materiality });
    if (tx.dialect === "snowflake")
      return runFamilySnowflake(tx, family, { ...options, sql, categories, teamCase, notRun });
    const detail = tx.quoteTable({ schema: "recon", name: `${family.name}_detail` });
    const fresh = tx.quoteTable({ schema: "recon", name: `${family.name}_detail__new` });
    await tx.query(`DROP TABLE IF EXISTS ${fresh}`);
    await tx.query(`CREATE TABLE ${fresh} AS ${sql}`);
    await tx.query(`DROP TABLE IF EXISTS ${detail}`);
    await tx.query(`ALTER TABLE ${fresh} RENAME TO ${tx.quoteIdent(`${family.name}_detail`)}`);
    await tx.query(
      `COMMENT ON TABLE ${detail} IS ${quoteLiteral(`${family.description} One row per discrepancy found by the last run, with both sides' values.`)}`,
    );
    // Fresh statistics: without them the planner guesses the new table's size and runs the
    // lifecycle's anti-joins as nested loops (8 s instead of 0.1 s on 1M pairs).
    await tx.query(`ANALYZE ${detail} (category, key)`);
    await commentReconColumns(tx, `${family.name}_detail`);
    await assertOneRowPerKey(tx, family, detail);
    const at = options.asOf;
    const params = [at, options.runId, family.name];
    const events = async (event: string, rows: { category: string; key: string }[]) => {
      if (!rows.length) return;
      await tx.query(
        `INSERT INTO recon.discrepancy_events (run_id, at, category, key, event)
         SELECT $1, $2, u.category, u.key, $3 FROM unnest($4::text[], $5::text[]) AS u(category, key)`,
        [options.runId, at, event, rows.map((r) => r.category), rows.map((r) => r.key)],
      );
    };
    const valueSet = `customer_id = s.customer_id, entity = s.entity, left_system = s.left_system, left_value = s.left_value,
      right_system = s.right_system, right_value = s.right_value, delta = s.delta, currency = s.currency,
      amount_reporting = s.amount_reporting, reporting_currency = ${reportingCcy}, detail = s.detail, last_seen_at = $1, last_run_id = $2`;
    // Resolve first: it only looks at rows open before this run, and on a table that has just
    // grown (first run) stale statistics would otherwise turn its anti-join into a nested loop.
    const resolved = await tx.query<{ category: string; key: string }>(
      `UPDATE recon.discrepancy d SET status = 'resolved', resolved_at = $1, last_run_id = $2
        WHERE d.status = 'open' AND d.category = ANY($3)${unseen}
          AND NOT EXISTS (SELECT 1 FROM ${detail} s WHERE s.category = d.category AND s.key = d.key)
       RETURNING d.category, d.key`,
      [at, options.runId, categories],
    );
    const reopened = await tx.query<{ category: string; key: string }>(
      `UPDATE recon.discrepancy d SET ${valueSet}, status = 'open', resolved_at = NULL, reopened_count = d.reopened_count + 1
         FROM ${detail} s WHERE d.category = s.category AND d.key = s.key AND d.status = 'resolved'
       RETURNING d.category, d.key`,
      params.slice(0, 2),
    );
    await tx.query(
      `UPDATE recon.discrepancy d SET ${valueSet}
         FROM ${detail} s WHERE d.category = s.category AND d.key = s.key AND d.status = 'open'`,
      params.slice(0, 2),
    );
    const opened = await tx.query<{ category: string; key: string }>(
      `INSERT INTO recon.discrepancy (category, key, family, customer_id, entity, left_system, left_value, right_system,
              right_value, delta, currency, amount_reporting, reporting_currency, detail, status, first_seen_at, last_seen_at, owner_team, last_run_id)
       SELECT s.category, s.key, $3, s.customer_id, s.entity, s.left_system, s.left_value, s.right_system, s.right_value,
              s.delta, s.currency, s.amount_reporting, ${reportingCcy}, s.detail, 'open', $1, $1, ${teamCase}, $2
         FROM ${detail} s
        WHERE NOT EXISTS (SELECT 1 FROM recon.discrepancy d WHERE d.category = s.category AND d.key = s.key)
       RETURNING category, key`,
      params,
    );
    // Keep the lifecycle table's statistics current for the next run's anti-joins (autovacuum
    // may not have analysed a table that just grew by thousands of rows).
    if (opened.length + reopened.length + resolved.length > 0)
      await tx.query(`ANALYZE recon.discrepancy (category, key, status)`);
    await events("opened", opened);
    await events("reopened", reopened);
    await events("resolved", resolved);
    await runLedgerLifecycle(tx, { ...options, categories });
    await writeRuleStatus(tx, family, { ...options, notRun });
    await tx.query(
      `DELETE FROM recon.history WHERE day = CAST($1 AS timestamptz)::date AND category = ANY($2)`,
      [at, categories],
    );
    await tx.query(
      `INSERT INTO recon.history (day, category, entity, currency, open_count, amount_reporting, reporting_currency)
       SELECT CAST($1 AS timestamptz)::date, category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), count(*), coalesce(sum(amount_reporting), 0), ${reportingCcy}
         FROM recon.discrepancy WHERE status = 'open' AND category = ANY($2)
        GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a')`,
      [at, categories],
    );
    const open = await tx.query<{ category: DiscrepancyCategory; n: string }>(
      `SELECT category, count(*) AS n FROM recon.discrepancy WHERE status = 'open' AND category = ANY($1) GROUP BY category`,
      [categories],
    );
    return familyResult(
      family,
      categories,
      open,
      {
        opened: opened.length,
        reopened: reopened.length,
        resolved: resolved.length,
        notRun,
      },
      options.log,
    );
  });
}

function familyResult(
  family: RuleFamily,
  categories: readonly DiscrepancyCategory[],
  open: readonly { category: DiscrepancyCategory; n: string }[],
  counts: Pick<FamilyResult, "opened" | "reopened" | "resolved" | "notRun">,
  log: Logger,
): FamilyResult {
  const result: FamilyResult = {
    family: family.name,
    open: Object.fromEntries(categories.map((c) => [c, 0])),
    ...counts,
  };
  for (const r of open) result.open[r.category] = Number(r.n);
  log.info({ ...result }, "reconciled");
  return result;
}

async function assertOneRowPerKey(tx: WarehouseSession, family: RuleFamily, detail: string): Promise<void> {
  const dupes = await tx.query<{ category: string; key: string }>(
    `SELECT category, key FROM ${detail} GROUP BY category, key HAVING count(*) > 1 LIMIT 5`,
  );
  if (dupes.length) {
    throw new Error(
      `rule family ${family.name} returned the same key twice: ${dupes.map((d) => `${d.category} ${d.key}`).join(", ")}; a rule must emit one row per key`,
    );
  }
}

/**
 * Snowflake: DDL commits on its own there, and a transaction's session refuses it once the first
 * write has begun the transaction (see TransactionRunner), so every DDL statement comes first:
 * the recon schema, the rules' rows in a temporary table (checked for duplicate keys), the detail
 * table replaced from it in one statement (`CREATE OR REPLACE … AS`: readers see the old one
 * until the new one is complete; COPY GRANTS keeps BI's access), and a temporary table of the
 * lifecycle's changes, computed before anything moves (Snowflake has no RETURNING). The writes
 * then run in one transaction: resolve, reopen, refresh, open, the events (from the changes
 * table), the day's history. The detail table is committed by its DDL, so a failed write leaves
 * it newer than recon.discrepancy until the next run. No ANALYZE: Snowflake keeps its own
 * statistics. The temporary tables live in this session only and are replaced by the family's
 * next run on it.
 */
async function runFamilySnowflake(
  tx: WarehouseSession,
  family: RuleFamily,
  options: CompiledFamilyRun,
): Promise<FamilyResult> {
  const { categories } = options;
  const reportingCcy = quoteLiteral(options.config.fx.reportingCurrency.toUpperCase());
  const detail = tx.quoteTable({ schema: "recon", name: `${family.name}_detail` });
  const fresh = tx.quoteTable({ schema: "recon", name: `${family.name}_detail__new` });
  const changes = tx.quoteTable({ schema: "recon", name: `${family.name}_detail__changes` });
  // Categories come from the rules' code; inlined, as Snowflake binds no arrays.
  const inCategories = `IN (${categories.map((c) => quoteLiteral(c)).join(", ") || "NULL"})`;
  const discrepancy = `"recon"."discrepancy"`;

  // DDL, before the first write. The rules' rows land in a temporary table first, so a family
  // that breaks the one-row-per-key contract leaves the detail table as it was (as on Postgres).
  await tx.query(`CREATE OR REPLACE TEMPORARY TABLE ${fresh} AS\n${options.sql}`);
  await assertOneRowPerKey(tx, family, fresh);
  await tx.query(
    `CREATE OR REPLACE TABLE ${detail} COPY GRANTS COMMENT = ${quoteLiteral(`${family.description} One row per discrepancy found by the last run, with both sides' values.`)} AS SELECT * FROM ${fresh}`,
  );
  await tx.query(
    `CREATE OR REPLACE TEMPORARY TABLE ${changes} AS
     SELECT d.category, d.key, 'resolved' AS event FROM ${discrepancy} d
      WHERE d.status = 'open' AND d.category ${inCategories}${absentSystemsKept(options.config)}
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
  const params = [options.asOf, options.runId];
  const valueSet = `customer_id = s.customer_id, entity = s.entity, left_system = s.left_system, left_value = s.left_value,
      right_system = s.right_system, right_value = s.right_value, delta = s.delta, currency = s.currency,
      amount_reporting = s.amount_reporting, reporting_currency = ${reportingCcy}, detail = s.detail, last_seen_at = ${at}, last_run_id = $2`;
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
            s.delta, s.currency, s.amount_reporting, ${reportingCcy}, s.detail, 'open', ${at}, ${at}, ${options.teamCase}, $2
       FROM ${detail} s
      WHERE NOT EXISTS (SELECT 1 FROM ${discrepancy} d WHERE d.category = s.category AND d.key = s.key)`,
    [...params, family.name],
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
    options.asOf,
  ]);
  await tx.query(
    `INSERT INTO "recon"."history" ("day", category, entity, currency, open_count, amount_reporting, reporting_currency)
     SELECT ${day}, category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), count(*), coalesce(sum(amount_reporting), 0), ${reportingCcy}
       FROM ${discrepancy} WHERE status = 'open' AND category ${inCategories}
      GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a')`,
    [options.asOf],
  );
  await runLedgerLifecycle(tx, options);
  await writeRuleStatus(tx, family, options);
  const counts = await tx.query<{ event: string; n: string | number }>(
    `SELECT event, count(*) AS n FROM ${changes} GROUP BY event`,
  );
  const open = await tx.query<{ category: DiscrepancyCategory; n: string }>(
    `SELECT category, count(*) AS n FROM ${discrepancy} WHERE status = 'open' AND category ${inCategories} GROUP BY category`,
  );
  const n = (event: string) => Number(counts.find((r) => r.event === event)?.n ?? 0);
  return familyResult(
    family,
    categories,
    open,
    { opened: n("opened"), reopened: n("reopened"), resolved: n("resolved"), notRun: options.notRun },
    options.log,
  );
}
