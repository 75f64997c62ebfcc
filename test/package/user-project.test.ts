import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbedded, type EmbeddedHandle } from "../../warehouse/postgres/embedded.js";
import { installPackage, type InstalledProject } from "../helpers/package.js";

/**
 * A user's project from scratch: trueup installed by npm from the packed tarball into an empty
 * folder (no link to this checkout), `trueup init`, a SQL model and a rule of the user's own
 * added, `trueup demo` run, and the warehouse it leaves read back.
 */

let installed: InstalledProject;
let proj: string;
let trueup: (args: string[], timeoutMs?: number) => ReturnType<InstalledProject["run"]>;

// The user's own SQL model: paid billing invoices per currency, read with ref().
const MODEL = `/* trueup
materialized: table
unique_key: [currency]
tags: [finance, mine]
description: Paid billing invoices per currency.
columns:
  currency:
    tests: [not_null, unique]
*/
SELECT i.billing_currency AS currency, count(*) AS paid_invoices, sum(i.billing_amount) AS paid_amount
  FROM {{ ref('canonical.invoice') }} i
 WHERE i.billing_status = 'paid'
 GROUP BY i.billing_currency
`;

// The user's own rule: an invoice paid in billing that the ERP does not have as paid (open
// there, or not there at all), on canonical.invoice, keyed by the Stripe invoice.
const RULE = `import { defineRule } from "trueup";

export const rule = defineRule({
  name: "paid_not_posted",
  category: "paid_in_billing_open_in_erp",
  ownerTeam: "collections",
  description: "Paid in billing, not paid in the ERP.",
  reads: ["finance.paid_by_currency"],
  sql: (ctx) => \`
    SELECT i.invoice_key AS key, i.customer_id, 'stripe' AS left_system, i.billing_status AS left_value,
           coalesce(i.erp_system, 'erp') AS right_system, coalesce(i.erp_status, 'missing') AS right_value,
           i.billing_amount - i.erp_amount AS delta, i.billing_currency AS currency
      FROM \${ctx.ref("canonical.invoice")} i
     WHERE i.billing_status = 'paid' AND coalesce(i.erp_status, 'missing') <> 'paid'\`,
});
`;

beforeAll(async () => {
  installed = await installPackage();
  trueup = (args, timeoutMs) =>
    installed.run(path.join(installed.dir, "node_modules", ".bin", "trueup"), args, {
      cwd: proj,
      timeoutMs,
    });
  const init = await installed.run(path.join(installed.dir, "node_modules", ".bin", "trueup"), [
    "init",
    "my-revenue",
    "--yes",
  ]);
  expect(init.stderr).toBe("");
  expect(init.code).toBe(0);
  expect(init.stdout).toContain("npm install\n  npx trueup demo");
  proj = path.join(installed.dir, "my-revenue");
  mkdirSync(path.join(proj, "models", "finance"), { recursive: true });
  writeFileSync(path.join(proj, "models", "finance", "paid_by_currency.sql"), MODEL);
  writeFileSync(path.join(proj, "rules", "paid-not-posted.ts"), RULE);
}, 600_000);

afterAll(async () => {
  await installed?.remove();
});

describe("a user's project, from the installed package", () => {
  it("trueup build --list --json shows the user's models and rules with their lineage", async () => {
    const r = await trueup(["build", "--list", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      model: string;
      kind: string;
      upstream: string;
      downstream: string;
    }[];
    const get = (id: string) => rows.find((x) => x.model === id);
    expect(get("finance.paid_by_currency")).toMatchObject({
      kind: "model",
      upstream: "canonical.invoice",
      downstream: "recon.paid_not_posted",
    });
    expect(get("recon.paid_not_posted")).toMatchObject({ kind: "rule" });
    expect(get("recon.paid_not_posted")!.upstream.split(" ").sort()).toEqual([
      "canonical.invoice",
      "finance.paid_by_currency",
    ]);
    // The init template's own SQL model, TypeScript model and rule.
    expect(get("analytics.customer_invoice_totals")).toMatchObject({ upstream: "canonical.invoice" });
    expect(get("analytics.open_invoices_by_entity")).toMatchObject({ kind: "model" });
    expect(get("recon.customer_totals")).toMatchObject({ upstream: "analytics.customer_invoice_totals" });
  });

  describe("after trueup demo", () => {
    let embedded: EmbeddedHandle;
    let db: pg.Client;
    let demo: {
      report: string;
      status: string;
      stages: { kind: string; failed: string }[];
      categories: { category: string; open: string }[];
    };

    beforeAll(async () => {
      const r = await trueup(["demo", "--seed", "11", "--scale", "0.05", "--json"], 600_000);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      demo = JSON.parse(r.stdout) as typeof demo;
      // The demo stopped its embedded Postgres; its data stays in the project's .trueup/pg.
      embedded = await startEmbedded({ dir: path.join(proj, ".trueup", "pg") });
      const url = new URL(embedded.url);
      url.pathname = "/trueup_demo";
      db = new pg.Client({ connectionString: url.toString() });
      await db.connect();
    }, 900_000);
    afterAll(async () => {
      await db?.end();
      await embedded?.stop();
    });

    it("ran the whole DAG, the user's nodes included", async () => {
      expect(demo.status).toBe("succeeded");
      expect(demo.stages.every((s) => Number(s.failed) === 0)).toBe(true);
      const nodes = await db.query<{ node: string; status: string }>(
        `SELECT node, status FROM trueup.node_runs
          WHERE node IN ('finance.paid_by_currency', 'analytics.customer_invoice_totals',
                         'analytics.open_invoices_by_entity', 'recon.paid_not_posted', 'recon.customer_totals')
          ORDER BY node`,
      );
      expect(nodes.rows).toEqual(
        [
          "analytics.customer_invoice_totals",
          "analytics.open_invoices_by_entity",
          "finance.paid_by_currency",
          "recon.customer_totals",
          "recon.paid_not_posted",
        ].map((node) => ({ node, status: "succeeded" })),
      );
    });

    it("the SQL model's table holds what its SELECT says over canonical.invoice", async () => {
      const got = await db.query(
        `SELECT currency, paid_invoices::int AS n, paid_amount::text AS amount FROM finance.paid_by_currency ORDER BY 1`,
      );
      const want = await db.query(
        `SELECT billing_currency AS currency, count(*)::int AS n, sum(billing_amount)::text AS amount
           FROM canonical.invoice WHERE billing_status = 'paid' GROUP BY 1 ORDER BY 1`,
      );
      expect(got.rows.length).toBeGreaterThan(0);
      expect(got.rows).toEqual(want.rows);
    });

    it("the rule's discrepancies are in recon.discrepancy, open, with its owner team", async () => {
      const got = await db.query<{ key: string; owner_team: string; status: string; family: string }>(
        `SELECT key, owner_team, status, family FROM recon.discrepancy WHERE category = 'paid_in_billing_open_in_erp' ORDER BY key`,
      );
      const want = await db.query<{ key: string }>(
        `SELECT invoice_key AS key FROM canonical.invoice
          WHERE billing_status = 'paid' AND coalesce(erp_status, 'missing') <> 'paid' ORDER BY 1`,
      );
      expect(got.rows.length).toBeGreaterThan(0);
      expect(got.rows.map((r) => r.key)).toEqual(want.rows.map((r) => r.key));
      expect(new Set(got.rows.map((r) => `${r.status} ${r.owner_team} ${r.family}`))).toEqual(
        new Set(["open collections paid_not_posted"]),
      );
      const reported = demo.categories.find((c) => c.category === "paid_in_billing_open_in_erp");
      expect(Number(reported?.open)).toBe(got.rows.length);
      // And in the run's HTML report, with the other categories.
      const html = readFileSync(demo.report, "utf8");
      expect(html).toContain("paid_in_billing_open_in_erp");
      expect(html).toContain("invoice_missing_in_erp");
      // The template's rule ran too, into its own category, finding what its SQL says.
      const template = await db.query(
        `SELECT count(*)::int AS n FROM recon.discrepancy WHERE category = 'customer_total_mismatch' AND status = 'open'`,
      );
      const templateWant = await db.query(
        `SELECT count(*)::int AS n FROM analytics.customer_invoice_totals WHERE abs(billing_amount - erp_amount) > 0.01`,
      );
      expect(template.rows[0].n).toBe(templateWant.rows[0].n);
    });
  });
});
