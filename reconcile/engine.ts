import type { Config, DiscrepancyCategory } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import { tableName } from "../load/naming.js";
import { sqlDialect } from "../models/dialects.js";
import { quoteLiteral } from "../warehouse/identifiers.js";
import type { Dialect, Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { DISCREPANCY_COLUMNS, type RuleContext, type RuleFamily, type RuleNotRun } from "./interfaces.js";
import { recordSystem } from "../models/conformed/role.js";
import { BUILT_IN_SYSTEMS, sourceAbsence } from "../models/absent-sources.js";
import { rulesNotRun, unmetNeed } from "./needs.js";
import { writeRuleStatus } from "./rule-status.js";
import { runLedgerLifecycle } from "./ledger-lifecycle.js";
import { commentReconColumns, ensureReconSchema } from "./schema.js";
import { reconcileStatements } from "../warehouse/statements/reconcile.js";
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
  /** Set when the evaluation was the periodic full verification: `differs` is a defect (logged). */
  verified?: "equal" | "differs";
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
  const systems = new Set([...BUILT_IN_SYSTEMS, ...Object.values(config.roles).flat()]);
  const absent = [...systems]
    .filter((s) => sourceAbsence(config, s))
    // Discrepancies name a system as its records do (the legacy ERP's erp_file, as customer_xref does).
    .map((s) => quoteLiteral(recordSystem(s)));
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
      columns: recording.reads.narrowed(),
      sources: recording.sources.values(),
    },
    {
      ...options,
      skipUnchanged: options.skipUnchanged !== false,
      verifyEveryHours: options.config.verification.everyHours,
    },
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
    const counts = await reconcileStatements(tx).runLifecycle(tx, {
      family: family.name,
      description: `${family.description} One row per discrepancy found by the last run, with both sides' values.`,
      select: sql,
      categories,
      asOf: options.asOf,
      runId: options.runId,
      reportingCurrency: reportingCcy,
      ownerTeam: teamCase,
      keepOpen: unseen,
      checkKeys: (table) => assertOneRowPerKey(tx, family, table),
      describeDetail: () => commentReconColumns(tx, `${family.name}_detail`),
      review: async () => {
        await runLedgerLifecycle(tx, { ...options, categories });
        await writeRuleStatus(tx, family, { ...options, notRun });
      },
    });
    const inCategories = `IN (${categories.map((c) => quoteLiteral(c)).join(", ") || "NULL"})`;
    const open = await tx.query<{ category: DiscrepancyCategory; n: string }>(
      `SELECT category, count(*) AS n FROM ${tx.quoteTable({ schema: "recon", name: "discrepancy" })} WHERE status = 'open' AND category ${inCategories} GROUP BY category`,
    );
    return familyResult(family, categories, open, { ...counts, notRun }, options.log);
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
