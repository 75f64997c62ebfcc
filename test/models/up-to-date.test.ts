import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { loadStream } from "../../load/load-stream.js";
import type { ExtractBatch } from "../../load/interfaces.js";
import { buildModels, type ModelOutcome } from "../../models/build.js";
import { defineModel } from "../../models/define.js";
import { silentLog as log } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
const config = parseConfig({});
const desc = { source: "stripe", stream: "invoices", primaryKey: ["id"] };

async function* one(records: Record<string, unknown>[]): AsyncGenerator<ExtractBatch> {
  yield { records };
}
const invoices = (total: (i: number) => number) =>
  Array.from({ length: 50 }, (_, i) => ({ id: `in_${i}`, customer: `cus_${i % 5}`, total: total(i) }));

const totals = defineModel({
  name: "totals",
  schema: "t_fresh",
  materialized: "table",
  uniqueKey: ["customer"],
  sql: (ctx) =>
    `SELECT customer, sum(CAST(total AS numeric)) AS total FROM ${ctx.source("stripe", "invoices")} GROUP BY customer`,
});
const top = defineModel({
  name: "top",
  schema: "t_fresh",
  materialized: "table",
  sql: (ctx) => `SELECT max(total) AS top FROM ${ctx.ref("totals")}`,
});
const models = [totals, top];

const build = async (opts: { fullRefresh?: boolean } = {}) =>
  Object.fromEntries(
    (
      await buildModels({
        warehouse: t.warehouse,
        config,
        log,
        models,
        asOf: "2026-11-22T00:00:00Z",
        ...opts,
      })
    ).map((o: ModelOutcome) => [o.model, o.skipped ?? o.status]),
  );
const top1 = async () => (await t.warehouse.query<{ top: string }>(`SELECT top FROM t_fresh.top`))[0]!.top;

beforeAll(async () => {
  t = await createTestDatabase();
  await loadStream(t.warehouse, desc, one(invoices((i) => 100 + i)), { runId: "r1" });
});
afterAll(async () => {
  await t?.drop();
});

describe("a model is rebuilt only when what it reads changed", () => {
  it("skips up-to-date models, rebuilds on a real change and its descendants with it", async () => {
    expect(await build()).toEqual({ "t_fresh.totals": "succeeded", "t_fresh.top": "succeeded" });
    const before = await top1();
    expect(await build()).toEqual({
      "t_fresh.totals": "inputs unchanged",
      "t_fresh.top": "inputs unchanged",
    });

    // The same records loaded again (new load times, same values): still up to date.
    await loadStream(t.warehouse, desc, one(invoices((i) => 100 + i)), { runId: "r2" });
    expect(await build()).toEqual({
      "t_fresh.totals": "inputs unchanged",
      "t_fresh.top": "inputs unchanged",
    });

    // One value changed: the model and the one reading it are rebuilt, and show it.
    await loadStream(t.warehouse, desc, one([{ id: "in_3", customer: "cus_3", total: 100_000 }]), {
      runId: "r3",
    });
    expect(await build()).toEqual({ "t_fresh.totals": "succeeded", "t_fresh.top": "succeeded" });
    expect(Number(await top1())).toBeGreaterThan(Number(before));

    // --full-refresh rebuilds everything; a dropped table is rebuilt.
    expect(await build({ fullRefresh: true })).toEqual({
      "t_fresh.totals": "succeeded",
      "t_fresh.top": "succeeded",
    });
    await t.warehouse.query(`DROP TABLE t_fresh.top`);
    expect(await build()).toEqual({ "t_fresh.totals": "inputs unchanged", "t_fresh.top": "succeeded" });
  });

  it("a changed definition is rebuilt, its descendants too", async () => {
    const changed = {
      ...totals,
      sql: (ctx: Parameters<typeof totals.sql>[0]) => `${totals.sql(ctx)} HAVING count(*) > 0`,
    };
    const out = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models: [changed, top],
      asOf: "2026-11-22T00:00:00Z",
    });
    expect(out.map((o) => [o.model, o.skipped ?? o.status])).toEqual([
      ["t_fresh.totals", "succeeded"],
      ["t_fresh.top", "succeeded"],
    ]);
  });
});
