import type { Config } from "../config/schema.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { hasCustomerTable, ledgerItemsSelect } from "../reconcile/schema.js";
import { sourceFreshness, type Freshness } from "./freshness.js";

/**
 * The run report: one static HTML file (no scripts, no network), readable by a finance lead —
 * the DAG with statuses and timings, discrepancies by category, amount and age with charts,
 * syncs with counts, freshness. Every figure is read from the warehouse, so the page and the
 * tables cannot disagree.
 */
export interface ReportData {
  runId: string;
  generatedAt: string;
  run: { command: string; status: string; started_at: Date; finished_at: Date | null } | undefined;
  nodes: {
    node: string;
    kind: string;
    status: string;
    seconds: number | null;
    rows: string | null;
    error: string | null;
  }[];
  categories: { category: string; open: number; amount_reporting: number; owner_team: string }[];
  ages: { age_bucket: string; open: number; amount_reporting: number }[];
  /** The last reconciliation's as-of: ages count to it, not to when the page was made. */
  asOf: string | null;
  /** Open discrepancies per entity and currency (amounts in the reporting currency). */
  splits: { entity: string; currency: string; open: number; amount_reporting: number }[];
  /** Open discrepancies by review state. */
  reviewStates: { review_state: string; open: number; amount_reporting: number }[];
  /** The ten largest open items by amount at stake, with their documents. */
  largest: {
    category: string;
    key: string;
    customer: string | null;
    entity: string | null;
    left_document: string | null;
    right_document: string | null;
    amount_reporting: number;
    amount_meaning: string;
    review_state: string;
    age_days: number;
  }[];
  history: { day: string; open: number }[];
  syncs: {
    sync: string;
    mode: string;
    status: string;
    planned: number;
    written: number;
    verified: number;
    failed: number;
    dead_lettered: number;
    message: string | null;
  }[];
  freshness: Freshness[];
  /** `rows` is null when the stage did not complete in this run: a partial count is no result. */
  rowsPerStage: { stage: string; rows: number | null }[];
  /** The currency every amount is in (config fx.reportingCurrency). */
  reportingCurrency: string;
  /** The run's first failed node, in the order nodes finished. */
  firstFailure: { node: string; error: string } | undefined;
  /** Rules the run's reconciliation did not run, and why. */
  rulesNotRun: RuleNotRunRow[];
  /** Every reconciliation node of this run succeeded (the discrepancy figures are this run's). */
  reconciled: boolean;
}

export interface RuleNotRunRow {
  family: string;
  category: string;
  reason: string;
}

/**
 * What a run's terminal summary and report lead with: its first failure (the error a user acts
 * on, not just "failed") and the rules that did not run because a system they compare is absent.
 * Read from run history, so the in-process runner and graphile-worker runs read the same.
 */
export async function runOutcome(
  history: WarehouseSession,
  runId: string,
): Promise<{ firstFailure: ReportData["firstFailure"]; rulesNotRun: RuleNotRunRow[] }> {
  const rows = await safe(
    history.query<{ node: string; kind: string; status: string; error: string | null; details: unknown }>(
      `SELECT node, kind, status, error, details FROM trueup.node_runs
        WHERE run_id = $1 AND (status = 'failed' OR kind = 'reconcile')
        ORDER BY finished_at NULLS LAST, node`,
      [runId],
    ),
  );
  const failed = rows.find((r) => r.status === "failed");
  const rulesNotRun = rows.flatMap((r) => {
    const details = (typeof r.details === "string" ? JSON.parse(r.details) : r.details) as {
      family?: string;
      notRun?: { category: string; reason: string }[];
    } | null;
    return (details?.notRun ?? []).map((n) => ({
      family: details?.family ?? r.node,
      category: n.category,
      reason: n.reason,
    }));
  });
  return {
    firstFailure: failed ? { node: failed.node, error: failed.error ?? "failed" } : undefined,
    rulesNotRun,
  };
}

async function safe<T>(p: Promise<T[]>): Promise<T[]> {
  // A stage that never ran has no tables yet: the report says "none" rather than failing.
  return p.catch(() => []);
}

export async function collectReport(
  db: WarehouseSession,
  config: Config,
  runId: string,
): Promise<ReportData> {
  const [run] = await safe(
    db.query<ReportData["run"] & object>(
      `SELECT command, status, started_at, finished_at FROM trueup.runs WHERE run_id = $1`,
      [runId],
    ),
  );
  const nodes = await safe(
    db.query<ReportData["nodes"][number]>(
      `SELECT node, kind, status, extract(epoch FROM finished_at - started_at)::float AS seconds, rows::text AS rows, error
         FROM trueup.node_runs WHERE run_id = $1 ORDER BY started_at NULLS LAST, node`,
      [runId],
    ),
  );
  const categories = (
    await safe(
      db.query<{ category: string; open: string; amount_reporting: string; owner_team: string }>(
        `SELECT category, count(*) AS open, coalesce(sum(amount_reporting), 0) AS amount_reporting, min(owner_team) AS owner_team
           FROM recon.discrepancy WHERE status = 'open' GROUP BY category ORDER BY category`,
      ),
    )
  ).map((r) => ({ ...r, open: Number(r.open), amount_reporting: Number(r.amount_reporting) }));
  const ages = (
    await safe(
      db.query<{ age_bucket: string; open: string; amount_reporting: string }>(
        `SELECT age_bucket, count(*) AS open, coalesce(sum(amount_reporting), 0) AS amount_reporting FROM recon.open_discrepancies GROUP BY age_bucket ORDER BY min(age_days)`,
      ),
    )
  ).map((r) => ({ ...r, open: Number(r.open), amount_reporting: Number(r.amount_reporting) }));
  const asOfRow = await safe(
    db.query<{ as_of: Date | null }>(`SELECT max(checked_at) AS as_of FROM recon.rule_status`),
  );
  const splits = (
    await safe(
      db.query<{ entity: string; currency: string; open: string; amount_reporting: string }>(
        `SELECT coalesce(entity, 'unknown') AS entity, coalesce(currency, 'n/a') AS currency, count(*) AS open,
                coalesce(sum(amount_reporting), 0) AS amount_reporting
           FROM recon.discrepancy WHERE status = 'open' GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
    )
  ).map((r) => ({ ...r, open: Number(r.open), amount_reporting: Number(r.amount_reporting) }));
  const reviewStates = (
    await safe(
      db.query<{ review_state: string; open: string; amount_reporting: string }>(
        `SELECT review_state, count(*) AS open, coalesce(sum(amount_reporting), 0) AS amount_reporting
           FROM recon.discrepancy WHERE status = 'open' GROUP BY 1 ORDER BY 1`,
      ),
    )
  ).map((r) => ({ ...r, open: Number(r.open), amount_reporting: Number(r.amount_reporting) }));
  const items = ledgerItemsSelect(db.dialect, {
    withCustomer: await hasCustomerTable(db).catch(() => false),
  });
  const largest = (
    await safe(
      db.query<ReportData["largest"][number] & { amount_reporting: string; age_days: string }>(
        `SELECT category, key, coalesce(customer_name, customer_id) AS customer, entity, left_document, right_document,
                amount_reporting, amount_meaning, review_state, age_days
           FROM (${items}) q WHERE q.status = 'open' AND q.amount_reporting IS NOT NULL
          ORDER BY q.amount_reporting DESC, q.category, q.key LIMIT 10`,
      ),
    )
  ).map((r) => ({ ...r, amount_reporting: Number(r.amount_reporting), age_days: Number(r.age_days) }));
  const history = (
    await safe(
      db.query<{ day: string; open: string }>(
        `SELECT day::text AS day, sum(open_count) AS open FROM recon.history GROUP BY day ORDER BY day`,
      ),
    )
  ).map((r) => ({ day: r.day, open: Number(r.open) }));
  const syncs = await safe(
    db.query<ReportData["syncs"][number]>(
      `SELECT sync, mode, status, planned, written, verified, failed, dead_lettered, message FROM reverse.sync_runs WHERE run_id = $1 ORDER BY sync`,
      [runId],
    ),
  );
  const freshness = await sourceFreshness(db, config).catch(() => []);
  // A stage with a node that did not succeed has no complete figure: shown as not available, never 0.
  const complete = (kind: string) => nodes.every((n) => n.kind !== kind || n.status === "succeeded");
  const stage = (kind: string) =>
    complete(kind) ? nodes.filter((n) => n.kind === kind).reduce((a, n) => a + Number(n.rows ?? 0), 0) : null;
  const reconciled = nodes.some((n) => n.kind === "reconcile") && complete("reconcile");
  const outcome = await runOutcome(db, runId);
  return {
    runId,
    generatedAt: new Date().toISOString(),
    run,
    nodes,
    categories,
    ages,
    asOf: asOfRow[0]?.as_of ? new Date(asOfRow[0].as_of).toISOString() : null,
    splits,
    reviewStates,
    largest,
    history,
    syncs,
    freshness,
    rowsPerStage: [
      { stage: "extracted", rows: stage("extract") },
      { stage: "modelled", rows: stage("model") },
      {
        stage: "open discrepancies",
        rows: reconciled ? categories.reduce((a, c) => a + c.open, 0) : null,
      },
      {
        stage: "records synced",
        rows: complete("sync") ? syncs.reduce((a, s) => a + Number(s.verified), 0) : null,
      },
    ],
    reportingCurrency: config.fx.reportingCurrency,
    firstFailure: outcome.firstFailure,
    rulesNotRun: outcome.rulesNotRun,
    reconciled,
  };
}
