import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { buildModels } from "../../models/build.js";
import { loadModelDefinitions, modelDag } from "../../models/project.js";
import { compileNodes } from "../../orchestration/compile-nodes.js";
import { pipelineDag } from "../../orchestration/pipeline.js";
import { projectWith, removeProjects } from "../helpers/project-files.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ models: { paths: ["models"], builtin: false } });

/** A project folder with the given files (path → text). */
const project = (files: Record<string, string>) => projectWith(files, "trueup-sql-models-");

const INVOICES = 300;

const good = {
  "models/finance/open_invoices.sql": `/* trueup
materialized: table
unique_key: invoice_id
tags: [finance, daily]
description: Open Stripe invoices in major units.
columns:
  invoice_id:
    description: Stripe invoice id.
    tests: [unique, not_null]
  status:
    tests:
      - accepted_values: [open]
*/
SELECT i.id AS invoice_id, i.customer AS customer_id, i.status, i.total / 100.0 AS amount
  FROM {{ source('stripe', 'invoices') }} i
 WHERE i.status = 'open'; -- the trailing semicolon and comment are fine
`,
  // Directly in models/: builds analytics.<name>; a view by default.
  "models/open_by_customer.sql": `-- totals per customer; a comment's {{ ref('no.such_model') }} is left alone
SELECT customer_id, count(*) AS invoices, sum(amount) AS amount
  FROM {{ ref("finance.open_invoices") }}
 GROUP BY customer_id
`,
  "models/top_customer.ts": `
export const model = {
  name: "top_customer",
  schema: "analytics",
  materialized: "table",
  description: "The customer with the most open amount.",
  sql: (ctx) => \`SELECT customer_id FROM \${ctx.ref("analytics.open_by_customer")} ORDER BY amount DESC LIMIT 1\`,
};
`,
};

beforeAll(async () => {
  t = await createTestDatabase();
  // The staging table a loaded stream leaves, written directly: these tests are about models.
  await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS staging`);
  await t.warehouse.query(
    `CREATE TABLE staging.stripe__invoices AS
     SELECT 'in_' || i AS id, 'cus_' || (i % 7) AS customer, 1000 + i AS total,
            CASE WHEN i % 4 = 0 THEN 'paid' ELSE 'open' END AS status
       FROM generate_series(0, ${INVOICES - 1}) AS i`,
  );
});
afterAll(async () => {
  await t?.drop();
  removeProjects();
});

describe("SQL model files", () => {
  it("build <schema>.<name> and analytics.<name> with the header's materialization, tests and DAG edges", async () => {
    const dir = project(good);
    const models = await loadModelDefinitions(config, dir);
    const dag = modelDag(models, { dialect: "postgres", config, asOf: new Date().toISOString() });
    expect([...dag.nodes.keys()].sort()).toEqual([
      "analytics.open_by_customer",
      "analytics.top_customer",
      "finance.open_invoices",
    ]);
    expect(dag.get("analytics.open_by_customer").upstream).toEqual(["finance.open_invoices"]);
    expect(dag.get("analytics.top_customer").upstream).toEqual(["analytics.open_by_customer"]);
    expect(dag.get("finance.open_invoices").model.sources).toEqual([
      { source: "stripe", stream: "invoices" },
    ]);
    expect(dag.get("finance.open_invoices").tags).toEqual(["finance", "daily"]);
    // In the pipeline, source() is an edge from the stream's extract node.
    const withStripe = parseConfig({
      models: { paths: ["models"], builtin: false },
      sources: { stripe: { streams: ["invoices"] } },
    });
    const pipeline = pipelineDag(withStripe, models, { asOf: new Date().toISOString() });
    expect(pipeline.get("finance.open_invoices").upstream).toEqual(["stripe.invoices"]);
    expect(pipeline.get("analytics.open_by_customer").upstream).toEqual(["finance.open_invoices"]);

    const out = await buildModels({ warehouse: t.warehouse, config, log, models });
    expect(out.map((o) => [o.model, o.status, o.error])).toEqual([
      ["finance.open_invoices", "succeeded", undefined],
      ["analytics.open_by_customer", "succeeded", undefined],
      ["analytics.top_customer", "succeeded", undefined],
    ]);
    expect(out[0]!.tests.map((x) => [x.name, x.failures])).toEqual([
      ["unique_key(invoice_id)", 0],
      ["unique(invoice_id)", 0],
      ["not_null(invoice_id)", 0],
      ["accepted_values(status)", 0],
    ]);
    const kinds = await t.warehouse.query<{ name: string; kind: string }>(
      `SELECT table_schema || '.' || table_name AS name, table_type AS kind FROM information_schema.tables
        WHERE table_schema IN ('finance', 'analytics') ORDER BY 1`,
    );
    expect(kinds).toEqual([
      { name: "analytics.open_by_customer", kind: "VIEW" },
      { name: "analytics.top_customer", kind: "BASE TABLE" },
      { name: "finance.open_invoices", kind: "BASE TABLE" },
    ]);
    // The SQL model's rows against the same computation over the staging table it reads.
    const got = await t.warehouse.query(
      `SELECT customer_id, invoices::int AS n, amount::text AS amount FROM analytics.open_by_customer ORDER BY 1`,
    );
    const want = await t.warehouse.query(
      `SELECT customer AS customer_id, count(*)::int AS n, (sum(total) / 100.0)::text AS amount
         FROM staging.stripe__invoices WHERE status = 'open' GROUP BY 1 ORDER BY 1`,
    );
    expect(got).toHaveLength(7);
    expect(got).toEqual(want);
    const comment = await t.warehouse.query<{ c: string }>(
      `SELECT obj_description('finance.open_invoices'::regclass) AS c`,
    );
    expect(comment[0]!.c).toBe("Open Stripe invoices in major units.");
  });

  it("runs a header's column tests: a failing accepted_values fails the model and skips what reads it", async () => {
    const dir = project({
      ...good,
      "models/finance/open_invoices.sql": good["models/finance/open_invoices.sql"].replace(
        "WHERE i.status = 'open'",
        "WHERE i.status IN ('open', 'paid')",
      ),
    });
    const models = await loadModelDefinitions(config, dir);
    const out = await buildModels({ warehouse: t.warehouse, config, log, models });
    expect(out.map((o) => [o.model, o.status])).toEqual([
      ["finance.open_invoices", "failed"],
      ["analytics.open_by_customer", "skipped"],
      ["analytics.top_customer", "skipped"],
    ]);
    // accepted_values counts the values outside the list: 'paid'.
    expect(out[0]!.error).toBe("data tests failed: accepted_values(status) (1)");
  });

  it("compile for Snowflake includes the SQL models", async () => {
    const dir = project(good);
    const models = await loadModelDefinitions(config, dir);
    const nodes = compileNodes(config, "snowflake", "2026-11-22T00:00:00Z", models);
    const node = nodes.find((n) => n.node === "model.analytics.open_by_customer");
    expect(node?.sql).toMatch(/FROM\s+"FINANCE"\."OPEN_INVOICES"|FROM\s+"finance"\."open_invoices"/i);
    expect(nodes.some((n) => n.node === "model.finance.open_invoices")).toBe(true);
  });

  it("an incremental SQL model reads only new rows inside {% if is_incremental() %}", async () => {
    await t.warehouse.query(
      `CREATE TABLE staging.crm__events AS
       SELECT i AS id, 'v' || i AS v, timestamptz '2026-01-01' + i * interval '1 minute' AS at
         FROM generate_series(1, 50) AS i`,
    );
    const dir = project({
      "models/events/recent.sql": `/* trueup
materialized: incremental
unique_key: id
*/
SELECT e.id, e.v, e.at
  FROM {{ source('crm', 'events') }} e
{% if is_incremental() %}
 WHERE e.at > (SELECT max(at) FROM {{ this }})
{% else %}
 WHERE e.at >= timestamptz '2026-01-01'
{% endif %}
`,
    });
    const models = await loadModelDefinitions(config, dir);
    const first = await buildModels({ warehouse: t.warehouse, config, log, models });
    expect(first[0]).toMatchObject({ status: "succeeded", result: { mode: "incremental-full", rows: 50 } });
    // Five new rows, and an old one changed without a newer timestamp: only the new ones are read.
    await t.warehouse.query(
      `INSERT INTO staging.crm__events SELECT i, 'v' || i, timestamptz '2026-01-01' + i * interval '1 minute'
         FROM generate_series(51, 55) AS i`,
    );
    await t.warehouse.query(`UPDATE staging.crm__events SET v = 'changed' WHERE id = 1`);
    const second = await buildModels({ warehouse: t.warehouse, config, log, models });
    expect(second[0]).toMatchObject({
      status: "succeeded",
      result: { mode: "incremental-merge", rows: 55, touched: 5 },
    });
    const [one] = await t.warehouse.query<{ v: string }>(`SELECT v FROM events.recent WHERE id = 1`);
    expect(one!.v).toBe("v1");
  });

  const errors: [string, Record<string, string>, RegExp][] = [
    [
      "an unknown ref, with file and line",
      { "models/reports/bad.sql": "SELECT *\n  FROM\n  {{ ref('canonical.nope') }}\n" },
      /^models\/reports\/bad\.sql:3: .*ref\("canonical\.nope"\) names no model/,
    ],
    [
      "a bad header key, with its line",
      {
        "models/reports/bad.sql":
          "/* trueup\nmaterialized: table\ncolumns:\n  id:\n    descripton: x\n*/\nSELECT 1 AS id\n",
      },
      /^models\/reports\/bad\.sql:5: unknown key columns\.id\.descripton/,
    ],
    [
      "a bad materialization, with its line",
      { "models/reports/bad.sql": "/* trueup\ntags: [a]\nmaterialized: tabel\n*/\nSELECT 1 AS id\n" },
      /^models\/reports\/bad\.sql:3: materialized: /,
    ],
    [
      "a header that is not YAML",
      { "models/reports/bad.sql": "/* trueup\ntags: [a\n*/\nSELECT 1 AS id\n" },
      /^models\/reports\/bad\.sql:\d+: the trueup header is not valid YAML/,
    ],
    [
      "two files building one relation, naming both",
      { "models/x.sql": "SELECT 1 AS id", "models/analytics/x.sql": "SELECT 2 AS id" },
      /^models\/x\.sql builds analytics\.x, which models\/analytics\/x\.sql also builds/,
    ],
    [
      "two statements",
      { "models/x.sql": "SELECT 1 AS id;\nDROP TABLE staging.stripe__invoices" },
      /^models\/x\.sql:1: a SQL model file holds one statement/,
    ],
    [
      "not a SELECT",
      { "models/x.sql": "\n\nDELETE FROM staging.stripe__invoices" },
      /^models\/x\.sql:3: a SQL model file holds one SELECT/,
    ],
    [
      "an unknown template expression",
      { "models/x.sql": "SELECT 1 AS id\n WHERE {{ config('x') }}" },
      /^models\/x\.sql:2: \{\{ config\('x'\) \}\} is not understood/,
    ],
    [
      "a TypeScript model's unknown ref, naming its file",
      {
        "models/mine.ts": `export const model = { name: "mine", schema: "analytics", materialized: "view",
          description: "x", sql: (ctx) => \`SELECT * FROM \${ctx.ref("canonical.nope")}\` };`,
      },
      /^models\/mine\.ts: model analytics\.mine: ref\("canonical\.nope"\) names no model/,
    ],
    [
      "an unclosed incremental block",
      { "models/x.sql": "SELECT 1 AS id\n{% if is_incremental() %}\n WHERE true\n" },
      /^models\/x\.sql:2: \{% if is_incremental\(\) %\} is not closed/,
    ],
    [
      "an endif with no if",
      { "models/x.sql": "SELECT 1 AS id\n\n{% endif %}\n" },
      /^models\/x\.sql:3: \{% endif %\} without \{% if is_incremental\(\) %\}/,
    ],
    [
      "a block it does not know",
      { "models/x.sql": "SELECT 1 AS id\n{% for x in y %}{% endfor %}\n" },
      /^models\/x\.sql:2: \{% for x in y %\} is not understood/,
    ],
    [
      "a reserved schema",
      { "models/staging/x.sql": "SELECT 1 AS id" },
      /^models\/staging\/x\.sql: schema staging is written by trueup itself/,
    ],
  ];
  for (const [what, files, message] of errors) {
    it(`refuses ${what}`, async () => {
      const dir = project(files);
      const run = async () => {
        const models = await loadModelDefinitions(config, dir);
        modelDag(models, { dialect: "postgres", config, asOf: new Date().toISOString() });
      };
      await expect(run()).rejects.toThrow(message);
    });
  }
});
