import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "trueup-run-"));
  mkdirSync(path.join(dir, "exports"));
  mkdirSync(path.join(dir, "models"));
  writeFileSync(
    path.join(dir, "exports", "customers_1.csv"),
    "\ufeffcustomer_no;name;vat_id;email_domain;crm_account_id\nK1;Acme;DE1;acme.example;001A\nK2;Beta;DE2;beta.example;\n",
  );
  writeFileSync(
    path.join(dir, "exports", "invoices_1.csv"),
    "\ufeffinvoice_no;customer_no;invoice_date;due_date;currency;net_amount;tax_amount;gross_amount;status;billing_ref\n" +
      "I1;K1;01.10.2026;31.10.2026;EUR;10,00;1,90;11,90;open;\n",
  );
  // Two branches: customers_model -> customers_view (fine) and broken (SQL error) -> after_broken.
  writeFileSync(
    path.join(dir, "models", "models.ts"),
    `const src = (ctx) => ctx.source("erp_files", "customers");
export const models = [
  { name: "customers_model", schema: "t_run", materialized: "table", description: "c", tags: ["finance"],
    sql: (ctx) => \`SELECT customer_no, name FROM \${src(ctx)}\` },
  { name: "customers_view", schema: "t_run", materialized: "view", description: "v",
    sql: (ctx) => \`SELECT count(*) AS n FROM \${ctx.ref("customers_model")}\` },
  { name: "broken", schema: "t_run", materialized: "table", description: "b",
    sql: (ctx) => \`SELECT no_such_column FROM \${ctx.source("erp_files", "invoices")}\` },
  { name: "after_broken", schema: "t_run", materialized: "view", description: "a",
    sql: (ctx) => \`SELECT * FROM \${ctx.ref("broken")}\` },
];
`,
  );
  writeFileSync(
    path.join(dir, "trueup.config.ts"),
    `export const config = {
  sources: { erp_files: { files: [
    { pattern: "customers_*.csv", stream: "customers", primaryKey: ["customer_no"] },
    { pattern: "invoices_*.csv", stream: "invoices", primaryKey: ["invoice_no"], columns: { gross_amount: "numeric" } },
  ] } },
  models: { paths: ["models"], builtin: false },
};
`,
  );
});
afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) =>
  runCli(args, { cwd: dir, env: { WAREHOUSE_URL: t.url, ERP_EXPORT_DIR: path.join(dir, "exports") } });

describe("trueup run (in process)", () => {
  it("runs streams then models in DAG order; a failure stops only its descendants; history is recorded", async () => {
    const r = await cli(["--json", "run"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    const status = Object.fromEntries(
      out.nodes.map((n: { node: string; status: string }) => [n.node, n.status]),
    );
    expect(status).toEqual({
      "erp_files.customers": "succeeded",
      "erp_files.invoices": "succeeded",
      "t_run.customers_model": "succeeded",
      "t_run.customers_view": "succeeded",
      "t_run.broken": "failed",
      "t_run.after_broken": "skipped",
    });
    const order = out.nodes.map((n: { node: string }) => n.node);
    expect(order.indexOf("erp_files.customers")).toBeLessThan(order.indexOf("t_run.customers_model"));
    expect(await t.warehouse.query(`SELECT n FROM t_run.customers_view`)).toEqual([{ n: "2" }]);

    const runs = JSON.parse((await cli(["--json", "runs", "--limit", "1"])).stdout);
    expect(runs[0]).toMatchObject({ run_id: out.run_id, command: "run", status: "failed" });
    const nodes = Object.fromEntries(
      runs[0].nodes.map((n: { node: string; status: string; rows: string | null }) => [n.node, n]),
    );
    expect(nodes["erp_files.customers"]).toMatchObject({ status: "succeeded", rows: "2" });
    expect(nodes["t_run.broken"].error).toMatch(/no_such_column/);
    expect(nodes["t_run.after_broken"]).toMatchObject({
      status: "skipped",
      error: "upstream t_run.broken failed",
    });
  });

  it("--select with dbt grammar runs only the selection", async () => {
    const r = await cli(["--json", "run", "--select", "+customers_view"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).nodes.map((n: { node: string }) => n.node)).toEqual([
      "erp_files.customers",
      "t_run.customers_model",
      "t_run.customers_view",
    ]);
    const list = JSON.parse((await cli(["--json", "build", "--list", "--select", "tag:finance"])).stdout);
    expect(list).toEqual([
      expect.objectContaining({
        model: "t_run.customers_model",
        upstream: "source:erp_files.customers",
        downstream: "t_run.customers_view",
      }),
    ]);
  });
});
