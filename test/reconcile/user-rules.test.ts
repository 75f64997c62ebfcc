import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { loadModelDefinitions } from "../../models/project.js";
import { compileNodes } from "../../orchestration/compile-nodes.js";
import { pipelineDag } from "../../orchestration/pipeline.js";
import { reconcile } from "../../reconcile/run.js";
import { loadRuleDefinitions, ruleFamilies } from "../../reconcile/user-rules.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";
import { projectWith, removeProjects } from "../helpers/project-files.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });

const project = (files: Record<string, string>) => projectWith(files, "trueup-user-rules-");

// A rule of the project's own over its own SQL model: quotes whose CRM amount and billed amount
// differ. The SELECT names its columns in its own order and returns the optional amount.
const ruleFile = `
import { defineRule } from "${path.resolve("reconcile/define.ts")}";
export const rule = defineRule({
  name: "quote_billing",
  category: "quote_amount_mismatch",
  ownerTeam: "revops",
  description: "Quotes whose CRM amount differs from what billing charged.",
  reads: ["analytics.quotes"],
  columns: ["amount_reporting"],
  sql: (ctx) => \`
    SELECT q.crm_amount - q.billed_amount AS delta, q.currency, 'crm:' || q.quote_id AS key, q.customer_id,
           'crm' AS left_system, CAST(q.crm_amount AS text) AS left_value,
           'billing' AS right_system, CAST(q.billed_amount AS text) AS right_value,
           abs(q.crm_amount - q.billed_amount) AS amount_reporting
      FROM \${ctx.ref("analytics.quotes")} q
     WHERE abs(q.crm_amount - q.billed_amount) > \${ctx.settings.amountTolerance}\`,
});
`;

const files = {
  "models/quotes.sql":
    "SELECT quote_id, customer_id, currency, crm_amount, billed_amount FROM {{ source('crm', 'quotes') }}\n",
  "rules/quote-billing.ts": ruleFile,
};
const config = parseConfig({
  models: { paths: ["models"], builtin: false },
  rules: { paths: ["rules"] },
  reconciliation: { ownerTeams: {} },
});

beforeAll(async () => {
  t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA analytics`);
  await t.warehouse.query(
    `CREATE TABLE analytics.quotes AS
     SELECT 'q' || i AS quote_id, 'cust_' || (i % 5) AS customer_id, 'EUR' AS currency,
            100.00 + i AS crm_amount, CASE WHEN i % 10 = 0 THEN 90.00 + i ELSE 100.00 + i END AS billed_amount
       FROM generate_series(1, 100) AS i`,
  );
});
afterAll(async () => {
  await t?.drop();
  removeProjects();
});

describe("the project's own reconciliation rules", () => {
  it("are DAG nodes downstream of the models they read", async () => {
    const dir = project(files);
    const models = await loadModelDefinitions(config, dir);
    const rules = await loadRuleDefinitions(config, dir);
    expect(rules.map((r) => [r.name, r.file])).toEqual([["quote_billing", "rules/quote-billing.ts"]]);
    expect(ruleFamilies().at(-1)!.name).toBe("quote_billing");
    const dag = pipelineDag(config, models, { asOf: "2026-11-22T00:00:00Z", sources: {} });
    expect(dag.get("recon.quote_billing").upstream).toEqual(["analytics.quotes"]);
    expect(dag.children("analytics.quotes")).toContain("recon.quote_billing");
  });

  it("run through the same lifecycle: open with the rule's owner team, then resolve", async () => {
    const dir = project(files);
    await loadRuleDefinitions(config, dir);
    const family = ruleFamilies().filter((f) => f.name === "quote_billing");
    const first = await reconcile({
      warehouse: t.warehouse,
      config,
      asOf: "2026-11-20T00:00:00Z",
      runId: "run-1",
      log,
      families: family,
    });
    expect(first).toMatchObject([{ family: "quote_billing", opened: 10, resolved: 0 }]);
    const rows = await t.warehouse.query<Record<string, unknown>>(
      `SELECT key, customer_id, left_system, left_value, right_system, right_value, delta::text AS delta, currency,
              status, owner_team, family, first_seen_at = last_seen_at AS same, amount_reporting::text AS amount, entity
         FROM recon.discrepancy WHERE category = 'quote_amount_mismatch' ORDER BY key`,
    );
    // What the rule must find, computed straight from the model's table.
    const want = await t.warehouse.query<{ key: string; delta: string }>(
      `SELECT 'crm:' || quote_id AS key, (crm_amount - billed_amount)::text AS delta FROM analytics.quotes
        WHERE crm_amount <> billed_amount ORDER BY 1`,
    );
    expect(rows.map((r) => [r.key, r.delta])).toEqual(want.map((w) => [w.key, w.delta]));
    expect(rows[0]).toMatchObject({
      key: "crm:q10",
      customer_id: "cust_0",
      left_system: "crm",
      left_value: "110.00",
      right_system: "billing",
      right_value: "100.00",
      currency: "EUR",
      status: "open",
      owner_team: "revops",
      family: "quote_billing",
      same: true,
      // Listed in columns: returned by the rule; not listed: NULL.
      amount: "10.00",
      entity: null,
    });
    const summary = await t.warehouse.query<Record<string, unknown>>(
      `SELECT * FROM recon.history WHERE category = 'quote_amount_mismatch'`,
    );
    expect(summary).toHaveLength(1);
    expect(Number(summary[0]!.open_count)).toBe(10);

    // Billing corrects q10: its discrepancy resolves, the other nine are seen again.
    await t.warehouse.query(`UPDATE analytics.quotes SET billed_amount = crm_amount WHERE quote_id = 'q10'`);
    const second = await reconcile({
      warehouse: t.warehouse,
      config,
      asOf: "2026-11-21T00:00:00Z",
      runId: "run-2",
      log,
      families: family,
    });
    expect(second).toMatchObject([{ opened: 0, resolved: 1, open: { quote_amount_mismatch: 9 } }]);
    const after = await t.warehouse.query<{ key: string; status: string; moved: boolean }>(
      `SELECT key, status, last_seen_at > first_seen_at AS moved FROM recon.discrepancy
        WHERE category = 'quote_amount_mismatch' AND key IN ('crm:q10', 'crm:q20') ORDER BY key`,
    );
    expect(after).toEqual([
      { key: "crm:q10", status: "resolved", moved: false },
      { key: "crm:q20", status: "open", moved: true },
    ]);
  });

  it("compile for Snowflake with the built-in rules, with no Postgres-only construct", async () => {
    const dir = project(files);
    const models = await loadModelDefinitions(config, dir);
    await loadRuleDefinitions(config, dir);
    const nodes = compileNodes(config, "snowflake", "2026-11-22T00:00:00Z", models);
    const node = nodes.find((n) => n.node === "recon.quote_billing");
    expect(node?.sql).toContain("'quote_amount_mismatch' AS category");
    expect(node?.sql).toMatch(/"analytics"\."quotes"|"ANALYTICS"\."QUOTES"/);
    expect(postgresOnlyConstructs(node!.sql)).toEqual([]);
  });

  const refusals: [string, Record<string, string>, object, RegExp][] = [
    [
      "a rule reading a model no model builds",
      {
        ...files,
        "rules/quote-billing.ts": ruleFile.replace(
          'reads: ["analytics.quotes"]',
          'reads: ["analytics.quotez"]',
        ),
      },
      {},
      /rules\/quote-billing\.ts: rule quote_billing reads analytics\.quotez, which no model builds/,
    ],
    [
      "a rule taking a built-in category",
      {
        ...files,
        "rules/quote-billing.ts": ruleFile.replace('"quote_amount_mismatch"', '"invoice_amount_mismatch"'),
      },
      {},
      /category invoice_amount_mismatch is already found by a built-in rule/,
    ],
    [
      "an owner team for a category no rule finds",
      files,
      { reconciliation: { ownerTeams: { quote_amount_mismatsh: "x" } } },
      /reconciliation\.ownerTeams\.quote_amount_mismatsh: no rule finds category/,
    ],
    [
      "a file exporting no rule",
      { ...files, "rules/empty.ts": "export const x = 1;\n" },
      {},
      /rules\/empty\.ts exports no rule/,
    ],
  ];
  for (const [what, fs, extra, message] of refusals) {
    it(`refuses ${what}`, async () => {
      const dir = project(fs);
      const c = parseConfig({
        models: { paths: ["models"], builtin: false },
        rules: { paths: ["rules"] },
        ...extra,
      });
      const run = async () => {
        const models = await loadModelDefinitions(c, dir);
        await loadRuleDefinitions(c, dir);
        pipelineDag(c, models, { asOf: "2026-11-22T00:00:00Z", sources: {} });
      };
      await expect(run()).rejects.toThrow(message);
    });
  }
});
