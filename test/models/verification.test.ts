import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { loadStream } from "../../load/load-stream.js";
import type { ExtractBatch } from "../../load/interfaces.js";
import { buildModels, type ModelOutcome } from "../../models/build.js";
import { defineModel } from "../../models/define.js";
import { canonicalModels } from "../../models/canonical/index.js";
import { runFamily } from "../../reconcile/engine.js";
import { invoiceRules } from "../../reconcile/rules/invoices.js";
import { migrate } from "../../warehouse/migrations/migrate.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * The periodic full verification (`verification.everyHours`): a model or rule family that a run
 * would skip is, once the period has passed, rebuilt or evaluated in full and compared with what
 * it held. A table made wrong behind trueup's back stands in for a defect of the skip (or merge)
 * logic: skipped runs keep it, the verification finds it, says so, and the full rebuild repairs it.
 */
let t: TestDatabase;
const AS_OF = "2026-06-01T00:00:00Z";
const lines: string[] = [];
const log = createLogger({
  level: "error",
  destination: { write: (l: string) => (lines.push(l), true) } as never,
  pretty: false,
});
const config = (everyHours: number) => parseConfig({ verification: { everyHours } });
const build = (everyHours: number) =>
  buildModels({
    warehouse: t.warehouse,
    config: config(everyHours),
    log,
    models: canonicalModels,
    asOf: AS_OF,
  });
const by = (outcomes: ModelOutcome[], model: string) => outcomes.find((o) => o.model === model)!;
const bogus = async () =>
  (
    await t.warehouse.query(
      `SELECT count(*)::int AS n FROM canonical.customer WHERE customer_id = 'cus_bogus'`,
    )
  )[0]!.n;

beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.warehouse);
});
afterAll(async () => {
  await t?.drop();
});

describe("periodic full verification", () => {
  it("models: skipped runs keep a wrong table, the verification finds it, logs a defect and rebuilds it", async () => {
    const first = await build(24);
    expect(first.filter((o) => o.status !== "succeeded")).toEqual([]);
    const second = await build(24);
    expect(by(second, "canonical.customer").skipped).toBe("inputs unchanged");
    expect(second.some((o) => o.verified)).toBe(false);

    await t.warehouse.query(
      `INSERT INTO canonical.customer (customer_id, name) VALUES ('cus_bogus', 'Not real')`,
    );
    // Not due yet: the run skips the customer model and the wrong row stays.
    const third = await build(24);
    expect(by(third, "canonical.customer").skipped).toBe("inputs unchanged");
    expect(await bogus()).toBe(1);
    expect(lines.join("")).not.toContain("verification:");

    // Due (every run): every table that could be skipped is rebuilt and compared.
    const fourth = await build(0);
    expect(fourth.filter((o) => o.status !== "succeeded")).toEqual([]);
    expect(by(fourth, "canonical.customer").verified).toBe("differs");
    expect(by(fourth, "canonical.customer_xref").verified).toBe("equal");
    expect(by(fourth, "canonical.fx_rate").verified).toBe("equal");
    // A view stores nothing: it is not rebuilt to be compared.
    expect(by(fourth, "conformed.billing_invoice").verified).toBeUndefined();
    expect(await bogus()).toBe(0);
    expect(lines.join("")).toContain(
      "verification: canonical.customer differed from a full rebuild of the same inputs (a trueup defect",
    );
    // The invoices read only the customers' ids and entities (`ref("customer", { columns })`),
    // which the repaired table holds as the invoices last saw them: they are verified, not
    // rebuilt as changed. A run later every table verifies equal.
    expect(by(fourth, "canonical.invoice").verified).toBe("equal");
    const fifth = await build(0);
    const tables = fifth.filter(
      (o) => !o.model.startsWith("conformed.") && o.model !== "canonical.support_tier_corrections",
    );
    expect(tables.length).toBeGreaterThan(8);
    expect(tables.map((o) => [o.model, o.verified])).toEqual(tables.map((o) => [o.model, "equal"]));
    // Verified equal keeps each table's key: the next run (not due) skips every one.
    const sixth = await build(24);
    expect(sixth.filter((o) => !o.skipped).map((o) => o.model)).toEqual([]);
  });

  it("rules: a family that could be skipped is evaluated in full when due and must move nothing", async () => {
    const run = (everyHours: number, runId: string) =>
      runFamily(t.warehouse, invoiceRules, { config: config(everyHours), asOf: AS_OF, runId, log });
    // The first run creates the recon tables, whose shape the second's state records.
    await run(24, "v0");
    await run(24, "v1");
    expect((await run(24, "v2")).skipped).toBe("inputs unchanged");
    expect((await run(0, "v3")).verified).toBe("equal");
    await t.warehouse.query(
      `INSERT INTO recon.invoices_detail (category, key) VALUES ('invoice_missing_in_erp', 'stripe:in_bogus')`,
    );
    expect((await run(24, "v4")).skipped).toBe("inputs unchanged");
    const verified = await run(0, "v5");
    expect(verified.verified).toBe("differs");
    expect(lines.join("")).toContain("verification: recon.invoices differed from a full evaluation");
    const [left] = await t.warehouse.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM recon.invoices_detail WHERE key = 'stripe:in_bogus'`,
    );
    expect(left!.n).toBe(0);
  });
  it("incremental models: when due, a merge is checked against a full rebuild, so a wrong filter is caught", async () => {
    // A user's incremental model whose incremental branch picks up nothing (a wrong is_incremental
    // filter): its merges miss every change.
    const stale = defineModel({
      name: "t_stale",
      schema: "test_verify",
      materialized: "incremental",
      uniqueKey: ["id"],
      description: "Totals, merged with a filter that misses changes.",
      columns: { id: { description: "Id." } },
      sql: (ctx) =>
        `SELECT id, CAST(total AS numeric) AS total FROM ${ctx.source("ledger", "items")}${ctx.isIncremental ? " WHERE false" : ""}`,
    });
    async function* rows(total: number): AsyncGenerator<ExtractBatch> {
      yield { records: [1, 2, 3].map((i) => ({ id: `i${i}`, total: total + i })) };
    }
    const load = (total: number, runId: string) =>
      loadStream(t.warehouse, { source: "ledger", stream: "items", primaryKey: ["id"] }, rows(total), {
        runId,
      });
    const run = (everyHours: number) =>
      buildModels({ warehouse: t.warehouse, config: config(everyHours), log, models: [stale], asOf: AS_OF });
    const totals = async () =>
      (
        await t.warehouse.query<{ total: string }>(
          `SELECT total::text AS total FROM test_verify.t_stale ORDER BY id`,
        )
      ).map((r) => r.total);
    await load(100, "l1");
    await run(24);
    await load(200, "l2");
    const merged = await run(24);
    expect(merged[0]!.result?.mode).toBe("incremental-merge");
    expect(await totals()).toEqual(["101", "102", "103"]);
    await load(300, "l3");
    const verified = await run(0);
    expect(verified[0]!.verified).toBe("differs");
    expect(lines.join("")).toContain("verification: test_verify.t_stale differed from a full rebuild");
    expect(await totals()).toEqual(["301", "302", "303"]);
  });
});
