import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { loadStream } from "../../load/load-stream.js";
import type { ExtractBatch } from "../../load/interfaces.js";
import { buildModels } from "../../models/build.js";
import { defineModel } from "../../models/define.js";
import type { ModelDefinition } from "../../models/interfaces.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const config = parseConfig({});
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });

async function* one(records: Record<string, unknown>[]): AsyncGenerator<ExtractBatch> {
  yield { records };
}

const N = 2000;
function invoices(changed: Set<number> = new Set()) {
  return Array.from({ length: N }, (_, i) => ({
    id: `in_${i}`,
    customer: `cus_${i % 100}`,
    total: changed.has(i) ? 999_999 : 1000 + i,
    currency: i % 10 === 0 ? "jpy" : "usd",
    status: i % 3 === 0 ? "paid" : "open",
  }));
}

const customers = defineModel({
  name: "t_customers",
  schema: "test_models",
  materialized: "table",
  uniqueKey: ["customer_id"],
  tags: ["finance"],
  description: "One row per customer.",
  columns: {
    customer_id: { description: "Stripe customer id.", tests: ["not_null", "unique"] },
  },
  sql: (ctx) => `SELECT DISTINCT customer AS customer_id FROM ${ctx.source("stripe", "invoices")}`,
});

const invoiceModel = defineModel({
  name: "t_invoices",
  schema: "test_models",
  materialized: "incremental",
  uniqueKey: ["invoice_id"],
  tags: ["finance"],
  description: "Invoices in major units.",
  columns: {
    invoice_id: { description: "Stripe invoice id.", tests: ["not_null"] },
    customer_id: {
      description: "Customer.",
      tests: [{ relationships: { to: "t_customers", field: "customer_id" } }],
    },
    status: { description: "Status.", tests: [{ accepted_values: ["paid", "open"] }] },
  },
  sql: (ctx) =>
    `
    SELECT i.id AS invoice_id, i.customer AS customer_id, i.status,
           CASE WHEN i.currency = 'jpy' THEN i.total::numeric ELSE i.total / 100.0 END AS amount
      FROM ${ctx.source("stripe", "invoices")} i
      ${ctx.isIncremental ? `WHERE i._trueup_loaded_at > (SELECT coalesce(max(loaded_at), '-infinity') FROM ${ctx.this})` : ""}`.replace(
      "i.status,",
      "i.status, i._trueup_loaded_at AS loaded_at,",
    ),
});

const summary = defineModel({
  name: "t_summary",
  schema: "test_models",
  materialized: "view",
  description: "Totals per customer.",
  sql: (ctx) => `SELECT customer_id, sum(amount) AS total FROM ${ctx.ref("t_invoices")} GROUP BY customer_id`,
});

const models: ModelDefinition[] = [summary, invoiceModel, customers];

beforeAll(async () => {
  t = await createTestDatabase();
  await loadStream(
    t.warehouse,
    { source: "stripe", stream: "invoices", primaryKey: ["id"] },
    one(invoices()),
    { runId: "r1" },
  );
});
afterAll(async () => {
  await t?.drop();
});

describe("model framework", () => {
  it("infers the DAG from ref()/source(), builds view, table and incremental models, runs their tests", async () => {
    const out = await buildModels({ warehouse: t.warehouse, config, log, models });
    expect(out.map((o) => [o.model, o.status])).toEqual([
      ["test_models.t_customers", "succeeded"],
      ["test_models.t_invoices", "succeeded"],
      ["test_models.t_summary", "succeeded"],
    ]);
    const inv = out[1]!;
    expect(inv.result).toMatchObject({ rows: N, mode: "incremental-full" });
    expect(inv.tests.map((x) => [x.name, x.failures])).toEqual([
      ["unique_key(invoice_id)", 0],
      ["not_null(invoice_id)", 0],
      ["relationships(customer_id -> t_customers.customer_id)", 0],
      ["accepted_values(status)", 0],
    ]);
    const [{ total }] = await t.warehouse.query<{ total: string }>(
      `SELECT total FROM test_models.t_summary WHERE customer_id = 'cus_0'`,
    );
    // cus_0 has in_0, in_100, … all JPY (i % 10 = 0): whole yen, summed exactly.
    const expected = Array.from({ length: N }, (_, i) => i)
      .filter((i) => i % 100 === 0)
      .reduce((a, i) => a + 1000 + i, 0);
    expect(Number(total)).toBe(expected);
    const comments = await t.warehouse.query(
      `SELECT col_description('test_models.t_invoices'::regclass, 1) AS c, obj_description('test_models.t_invoices'::regclass) AS t`,
    );
    expect(comments).toEqual([{ c: "Stripe invoice id.", t: "Invoices in major units." }]);
  });

  it("after a 1% change in the source, the incremental model touches only the changed rows", async () => {
    const changed = new Set(Array.from({ length: N / 100 }, (_, k) => k * 97));
    const changedRows = invoices(changed).filter((_, i) => changed.has(i));
    await loadStream(
      t.warehouse,
      { source: "stripe", stream: "invoices", primaryKey: ["id"] },
      one(changedRows),
      { runId: "r2" },
    );
    const out = await buildModels({ warehouse: t.warehouse, config, log, models, select: "t_invoices" });
    expect(out).toHaveLength(1);
    expect(out[0]!.error).toBeUndefined();
    expect(out[0]!.result).toMatchObject({ mode: "incremental-merge", rows: N, touched: changed.size });
    expect(out[0]!.result!.touched / N).toBeLessThanOrEqual(0.05);
    const [{ amount }] = await t.warehouse.query<{ amount: string }>(
      `SELECT amount FROM test_models.t_invoices WHERE invoice_id = 'in_97'`,
    );
    expect(Number(amount)).toBe(9999.99);
  });

  it("a broken model fails its error-severity test and stops its descendants; warn tests only report", async () => {
    const broken = defineModel({
      ...invoiceModel,
      materialized: "table",
      columns: {
        ...invoiceModel.columns,
        status: { description: "Status.", tests: [{ accepted_values: ["paid"] }] }, // "open" exists: fails
      },
      tests: [
        {
          name: "no_big_amounts",
          severity: "warn",
          sql: (ctx) => `SELECT * FROM ${ctx.this} WHERE amount > 1000`,
        },
      ],
    });
    const out = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models: [summary, broken, customers],
    });
    const byModel = Object.fromEntries(out.map((o) => [o.model, o]));
    expect(byModel["test_models.t_customers"]!.status).toBe("succeeded");
    expect(byModel["test_models.t_invoices"]!.status).toBe("failed");
    expect(byModel["test_models.t_invoices"]!.error).toMatch(/accepted_values\(status\)/);
    expect(byModel["test_models.t_invoices"]!.error).not.toMatch(/no_big_amounts/);
    expect(
      byModel["test_models.t_invoices"]!.tests.find((x) => x.name === "no_big_amounts")!.failures,
    ).toBeGreaterThan(0);
    expect(byModel["test_models.t_summary"]).toMatchObject({
      status: "skipped",
      error: "upstream test_models.t_invoices failed",
    });
  });

  it("selection follows dbt's grammar: +name, name+, tag:", async () => {
    const pick = async (sel: string) =>
      (await buildModels({ warehouse: t.warehouse, config, log, models, select: sel })).map((o) => o.model);
    // A relationships test is not a dependency (as in dbt): only ref() in the SQL is.
    expect(await pick("+t_summary")).toEqual(["test_models.t_invoices", "test_models.t_summary"]);
    expect(await pick("t_customers+")).toEqual(["test_models.t_customers"]);
    expect(await pick("t_invoices+")).toEqual(["test_models.t_invoices", "test_models.t_summary"]);
    expect(await pick("tag:finance")).toEqual(["test_models.t_customers", "test_models.t_invoices"]);
    await expect(pick("nope")).rejects.toThrow(/nothing matches "nope"/);
  });

  it("a model reading a stream that was never extracted reads it as empty, with the stream's columns", async () => {
    const m = defineModel({
      name: "t_missing",
      schema: "test_models",
      materialized: "table",
      description: "x",
      sql: (ctx) =>
        `SELECT t.id, count(*) OVER () AS n FROM ${ctx.source("zendesk", "tickets")} t WHERE NOT coalesce(t._trueup_deleted, false)`,
    });
    const [o] = await buildModels({ warehouse: t.warehouse, config, log, models: [m] });
    expect(o).toMatchObject({ status: "succeeded" });
    expect(await t.warehouse.tableExists({ schema: "staging", name: "zendesk__tickets" })).toBe(false);
    expect(await t.warehouse.query(`SELECT * FROM test_models.t_missing`)).toEqual([]);
  });

  it("a model naming a column a disabled source's stand-in lacks fails saying the source is disabled", async () => {
    const m = defineModel({
      name: "t_disabled",
      schema: "test_models",
      materialized: "view",
      description: "x",
      sql: (ctx) => `SELECT t.subject FROM ${ctx.source("zendesk", "tickets")} t`,
    });
    const off = parseConfig({ sources: { zendesk: { enabled: false }, stripe: {} } });
    const [o] = await buildModels({ warehouse: t.warehouse, config: off, log, models: [m] });
    expect(o!.status).toBe("failed");
    expect(o!.error).toMatch(/subject/);
    expect(o!.error).toContain("it reads zendesk.tickets (disabled) as an empty relation");
    expect(o!.error).toContain("_trueup_payload");
  });
});
