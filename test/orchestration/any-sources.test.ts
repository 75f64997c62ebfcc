import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { DISCREPANCY_CATEGORIES, type Config } from "../../config/schema.js";
import { loadModelDefinitions } from "../../models/project.js";
import { pipelineDag } from "../../orchestration/pipeline.js";
import { writeReport } from "../../orchestration/report.js";
import { runDag } from "../../orchestration/runner.js";
import { readWorldManifest } from "../../sandbox/world/read.js";
import { runCli } from "../helpers/cli.js";
import { sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

// One world, one database for every case: later cases find the earlier cases' staging tables and
// discrepancies, which is what a user switching a source off meets.
let w: SandboxWorld;
let t: TestDatabase;
let asOf: string;
const ALL = ["salesforce", "stripe", "netsuite", "zendesk", "erp_files"] as const;
type System = (typeof ALL)[number];

beforeAll(async () => {
  w = await sandboxWorld(23, 0.05);
  t = await createTestDatabase();
  asOf = (await readWorldManifest(w.dir)).as_of;
}, 120_000);
afterAll(async () => {
  await t?.drop();
  await w?.close();
});

function withDisabled(off: readonly System[], patch: Record<string, unknown> = {}): Config {
  const raw = JSON.parse(JSON.stringify(w.config)) as Record<string, unknown> & {
    sources: Record<string, Record<string, unknown>>;
  };
  for (const s of off) raw.sources[s] = { ...raw.sources[s], enabled: false };
  // Switching a source off changes most health figures at once, which the syncs' circuit breaker
  // rightly refuses to write (tested in test/reverse); here the syncs must only run.
  const syncs = (raw.syncs as Record<string, unknown>[]).map((s) => ({ ...s, maxChangeShare: 1 }));
  return parseConfig({ ...raw, syncs, ...patch });
}

let runs = 0;
async function run(config: Config) {
  const models = await loadModelDefinitions(config);
  const runId = `anysrc-${++runs}`;
  const result = await runDag({
    dag: pipelineDag(config, models, { asOf }),
    context: {
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      models,
      runId,
      log,
      asOf,
      fullRefresh: false,
    },
  });
  const notRun = await t.warehouse.query<{ category: string; reason: string }>(
    `SELECT n->>'category' AS category, n->>'reason' AS reason
       FROM trueup.node_runs r, jsonb_array_elements(r.details->'notRun') n
      WHERE r.run_id = $1 AND r.kind = 'reconcile' ORDER BY 1`,
    [runId],
  );
  return { runId, result, notRun };
}

const INVOICE_RULES = [
  "invoice_amount_mismatch",
  "invoice_currency_mismatch",
  "invoice_missing_in_billing",
  "invoice_missing_in_erp",
  "invoice_status_mismatch",
];
const PAYMENT_RULES = ["payment_amount_mismatch", "payment_missing_in_erp"];
const CREDIT_RULES = ["credit_note_amount_mismatch", "credit_note_missing_in_erp", "refund_missing_in_erp"];
const CONTRACT_RULES = ["contract_amount_mismatch", "contract_missing_subscription"];

describe("any subset of sources", () => {
  it("runs the DAG with every source, then with each source disabled in turn and with CRM-only and billing+ERP-only: no failed node, the rules that cannot run are named", async () => {
    const baseline = await run(withDisabled([]));
    expect(baseline.result.nodes.filter((n) => n.status !== "succeeded")).toEqual([]);
    expect(baseline.notRun).toEqual([]);
    const openBefore = await t.warehouse.query<{ category: string; n: string }>(
      `SELECT category, count(*) AS n FROM recon.discrepancy WHERE status = 'open' GROUP BY 1 ORDER BY 1`,
    );
    expect(openBefore.map((r) => r.category)).toContain("contract_missing_subscription");

    const cases: { off: System[]; notRun: string[] }[] = [
      { off: ["salesforce"], notRun: [...CONTRACT_RULES, "entitlement_mismatch"] },
      { off: ["stripe"], notRun: [...INVOICE_RULES, ...PAYMENT_RULES, ...CREDIT_RULES, ...CONTRACT_RULES] },
      { off: ["netsuite"], notRun: [] },
      { off: ["zendesk"], notRun: ["entitlement_mismatch"] },
      { off: ["erp_files"], notRun: [] },
      // CRM only
      {
        off: ["stripe", "netsuite", "zendesk", "erp_files"],
        notRun: [
          ...INVOICE_RULES,
          ...PAYMENT_RULES,
          ...CREDIT_RULES,
          ...CONTRACT_RULES,
          "entitlement_mismatch",
        ],
      },
      // billing + ERP only
      { off: ["salesforce", "zendesk"], notRun: [...CONTRACT_RULES, "entitlement_mismatch"] },
      // billing without either ERP: the invoice and payment rules say which ERP they need
      { off: ["netsuite", "erp_files"], notRun: [...INVOICE_RULES, ...PAYMENT_RULES, ...CREDIT_RULES] },
    ];
    const openOf = (categories: string[]) =>
      t.warehouse.query<{ category: string; n: string }>(
        `SELECT category, count(*) AS n FROM recon.discrepancy WHERE status = 'open' AND category = ANY($1) GROUP BY 1 ORDER BY 1`,
        [categories],
      );
    // Open discrepancies that name one of the systems switched off (as left or right side).
    const openAbout = (systems: string[]) =>
      t.warehouse.query<{ category: string; key: string }>(
        `SELECT category, key FROM recon.discrepancy
          WHERE status = 'open' AND (left_system = ANY($1) OR right_system = ANY($1)) ORDER BY 1, 2`,
        [systems.map((s) => (s === "erp_files" ? "erp_file" : s))],
      );
    for (const c of cases) {
      const label = `disabled: ${c.off.join(", ")}`;
      const before = await openOf(c.notRun);
      const aboutOff = await openAbout(c.off);
      if (c.off.join() === "netsuite") expect(aboutOff.length, label).toBeGreaterThan(0);
      const r = await run(withDisabled(c.off));
      expect(
        r.result.nodes.filter((n) => n.status !== "succeeded").map((n) => `${n.node}: ${n.error}`),
        label,
      ).toEqual([]);
      // Every model and rule family is still in the DAG; only extract nodes of the disabled go.
      const kinds = r.result.nodes.map((n) => n.node);
      for (const s of c.off)
        expect(
          kinds.some((k) => k.startsWith(`${s}.`)),
          label,
        ).toBe(false);
      expect(kinds).toContain("canonical.customer_health");
      expect(kinds).toContain("recon.invoices");
      expect(r.notRun.map((n) => n.category).sort(), label).toEqual([...c.notRun].sort());
      for (const n of r.notRun) expect(n.reason, label).toMatch(/^needs [a-z_]+( or [a-z_]+)*: disabled$/);
      // recon.rule_status says the same to BI: every rule once, not_run with the reason.
      const status = await t.warehouse.query<{ category: string; status: string; reason: string | null }>(
        `SELECT category, status, reason FROM recon.rule_status ORDER BY category`,
      );
      expect(status, label).toHaveLength(DISCREPANCY_CATEGORIES.length);
      expect(
        status.filter((s) => s.status === "not_run").map((s) => ({ category: s.category, reason: s.reason })),
        label,
      ).toEqual(r.notRun);
      expect(status.filter((s) => s.status === "ran").length, label).toBe(
        DISCREPANCY_CATEGORIES.length - c.notRun.length,
      );
      // recon.summary too: every category whose rule did not run says so, with NULL (unknown)
      // counts where nothing of it is open, never a 0 that reads as "checked, clean".
      const summary = await t.warehouse.query<{
        category: string;
        open_count: string | null;
        rule_reason: string;
      }>(
        `SELECT category, open_count, rule_reason FROM recon.summary WHERE rule_status = 'not_run' ORDER BY 1`,
      );
      expect([...new Set(summary.map((r) => r.category))], label).toEqual([...c.notRun].sort());
      for (const r of summary) {
        expect(r.rule_reason, label).toBe(status.find((s) => s.category === r.category)!.reason);
        expect(r.open_count, label).not.toBe("0");
      }
      // A disabled system reads as empty even though its staging tables exist from earlier runs.
      const systems = await t.warehouse.query<{ system: string }>(
        `SELECT DISTINCT system FROM canonical.customer_xref ORDER BY 1`,
      );
      const xrefName = (s: System) => (s === "erp_files" ? "erp_file" : s);
      for (const s of c.off)
        expect(
          systems.map((x) => x.system),
          label,
        ).not.toContain(xrefName(s));
      for (const s of ALL.filter((s) => !c.off.includes(s)))
        expect(
          systems.map((x) => x.system),
          label,
        ).toContain(xrefName(s));
      // Rules that did not run leave their discrepancies open: not found is not resolved.
      expect(await openOf(c.notRun), label).toEqual(before);
      // Nor does a rule that ran resolve what it could not see: a US invoice missing in NetSuite
      // stays open while NetSuite is off, though the invoice rules ran for the EU entity.
      const stillOpen = await openAbout(c.off);
      expect(
        aboutOff.filter((d) => !stillOpen.some((o) => o.category === d.category && o.key === d.key)),
        label,
      ).toEqual([]);
      if (c.off.join() === "netsuite,erp_files") {
        expect(r.notRun.find((n) => n.category === "invoice_missing_in_erp")?.reason).toBe(
          "needs netsuite or erp_files: disabled",
        );
      }
    }
  }, 600_000);

  it("trueup run prints the rules not run and why; a failed run names its first error and its report says so at the top", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-anysrc-"));
    try {
      const config = JSON.parse(JSON.stringify(w.config)) as Record<string, unknown> & {
        sources: Record<string, Record<string, unknown>>;
      };
      config.sources.zendesk = { ...config.sources.zendesk, enabled: false };
      config.syncs = (config.syncs as Record<string, unknown>[]).map((s) => ({ ...s, maxChangeShare: 1 }));
      writeFileSync(
        path.join(dir, "trueup.config.ts"),
        `export const config = ${JSON.stringify(config, null, 2)};\n`,
      );
      const env = { ...w.sandbox.env, WAREHOUSE_URL: t.url, TRUEUP_AS_OF: asOf };
      const ok = await runCli(["run", "--as-of", asOf], { cwd: dir, env, timeoutMs: 240_000 });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(
        /rules not run:\n\s+entitlement_mismatch \(entitlements\): needs zendesk: disabled/,
      );

      // A rates file that is not there: the FX extract fails, everything that converts money is
      // skipped, and reconciliation never runs. The terminal names the first failure in full.
      const missing = path.join(dir, "no-such-rates.csv");
      writeFileSync(
        path.join(dir, "trueup.config.ts"),
        `export const config = ${JSON.stringify({ ...config, fx: { ...w.config.fx, ratesFile: missing } }, null, 2)};\n`,
      );
      const bad = await runCli(["run", "--as-of", asOf], { cwd: dir, env, timeoutMs: 240_000 });
      expect(bad.code, bad.stderr).toBe(1);
      const runId = /^run (\S+): failed$/m.exec(bad.stdout)?.[1];
      expect(runId, bad.stdout).toBeTruthy();
      const [first] = await t.warehouse.query<{ node: string; error: string }>(
        `SELECT node, error FROM trueup.node_runs WHERE run_id = $1 AND status = 'failed' ORDER BY finished_at LIMIT 1`,
        [runId],
      );
      expect(first!.node).toBe("reference.fx_rates");
      expect(first!.error).toContain("no-such-rates.csv");
      expect(bad.stdout).toContain(`first failure: reference.fx_rates: ${first!.error}`);

      const broken = withDisabled(["zendesk"], { fx: { ...w.config.fx, ratesFile: missing } });
      const file = await writeReport(t.warehouse, broken, runId!, dir);
      const html = readFileSync(file, "utf8");
      const main = html.slice(html.indexOf("<main>"));
      // The first thing in the page's body is the failure, with the node and its error.
      expect(main.indexOf('id="run-failed"')).toBeGreaterThan(0);
      expect(main.indexOf('id="run-failed"')).toBeLessThan(main.indexOf('class="kpis"'));
      expect(main).toContain("This run failed");
      expect(main).toMatch(/First failure: <b>reference\.fx_rates<\/b>/);
      expect(main).toContain("no-such-rates.csv");
      // No zeros where this run has no result: the recon figures are not available.
      expect(main).toMatch(/data-kpi="open discrepancies"><span class="muted"[^>]*>n\/a</);
      expect(main).toMatch(/data-kpi="amount"><span class="muted"[^>]*>n\/a</);
      expect(main).not.toMatch(/data-kpi="open discrepancies">0</);
      expect(main).not.toContain("No open discrepancies.");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
