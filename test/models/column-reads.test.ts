import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { loadStream } from "../../load/load-stream.js";
import type { ExtractBatch } from "../../load/interfaces.js";
import { buildModels, type ModelOutcome } from "../../models/build.js";
import { defineModel } from "../../models/define.js";
import { parseSqlModel } from "../../models/sql-file.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { migrate } from "../../warehouse/migrations/migrate.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * `ref(name, { columns })`: a model (or rule family) that names the columns it reads of another
 * model is rebuilt when one of those changes, not whenever the other model is rebuilt. A rename
 * in the upstream rebuilds the model that reads names, and leaves the one that reads only ids
 * and entities, which still holds what a full rebuild makes.
 */
let t: TestDatabase;
const AS_OF = "2026-06-01T00:00:00Z";
const log = createLogger({ level: "error", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ verification: { everyHours: 24 } });

const people = defineModel({
  name: "people",
  schema: "test_reads",
  materialized: "table",
  uniqueKey: ["id"],
  sql: (ctx) =>
    `SELECT id, name, entity FROM ${ctx.source("crm", "people")} WHERE NOT coalesce(_trueup_deleted, false)`,
});
const byEntity = defineModel({
  name: "by_entity",
  schema: "test_reads",
  materialized: "table",
  uniqueKey: ["entity"],
  sql: (ctx) =>
    `SELECT entity, count(*) AS people FROM ${ctx.ref("test_reads.people", { columns: ["id", "entity"] })} GROUP BY entity`,
});
const names = defineModel({
  name: "names",
  schema: "test_reads",
  materialized: "table",
  uniqueKey: ["id"],
  sql: (ctx) => `SELECT id, upper(name) AS name FROM ${ctx.ref("test_reads.people")}`,
});
// The same model read once in part and once whole reads it whole.
const both = defineModel({
  name: "both",
  schema: "test_reads",
  materialized: "view",
  sql: (ctx) =>
    `SELECT p.id, q.name FROM ${ctx.ref("test_reads.people", { columns: ["id"] })} p JOIN ${ctx.ref("test_reads.people")} q USING (id)`,
});
// The same in a SQL model file.
const byEntitySql = parseSqlModel(
  `/* trueup
materialized: table
*/
SELECT entity, count(id) AS people FROM {{ ref('test_reads.people', columns=['id', 'entity']) }} GROUP BY entity`,
  { schema: "test_reads", name: "by_entity_sql" },
  "models/test_reads/by_entity_sql.sql",
).definition;
const models = [people, byEntity, names, both, byEntitySql];

const entityFamily: RuleFamily = {
  name: "test_reads_entities",
  description: "Entities with fewer than two people.",
  rules: [
    {
      category: "duplicate_customer",
      description: "A test rule over ids and entities only.",
      sql: (ctx) => `
        SELECT 'e:' || entity AS key, NULL AS customer_id, entity, 'crm' AS left_system, CAST(count(*) AS text) AS left_value,
               NULL AS right_system, NULL AS right_value, CAST(NULL AS numeric) AS delta, NULL AS currency,
               CAST(NULL AS numeric) AS amount_reporting, '{}'::jsonb AS detail
          FROM ${ctx.ref("test_reads.people", { columns: ["id", "entity"] })} GROUP BY entity HAVING count(*) < 2`,
    },
  ],
};

async function* rows(list: { id: string; name: string; entity: string }[]): AsyncGenerator<ExtractBatch> {
  yield { records: list };
}
const load = (list: { id: string; name: string; entity: string }[], runId: string) =>
  loadStream(t.warehouse, { source: "crm", stream: "people", primaryKey: ["id"] }, rows(list), { runId });
const build = () => buildModels({ warehouse: t.warehouse, config, log, models, asOf: AS_OF });
const family = (runId: string) => runFamily(t.warehouse, entityFamily, { config, asOf: AS_OF, runId, log });
const skipped = (outcomes: ModelOutcome[]) =>
  Object.fromEntries(outcomes.map((o) => [o.model.replace("test_reads.", ""), o.skipped ?? "built"]));

beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.warehouse);
});
afterAll(async () => {
  await t?.drop();
});

describe("a ref that names its columns", () => {
  it("rebuilds a model (and a rule family) when the columns it reads change, not when others do", async () => {
    const start = [
      { id: "p1", name: "Ada", entity: "us" },
      { id: "p2", name: "Bob", entity: "us" },
      { id: "p3", name: "Cy", entity: "eu" },
    ];
    await load(start, "l1");
    expect(skipped(await build())).toEqual({
      people: "built",
      by_entity: "built",
      names: "built",
      both: "built",
      by_entity_sql: "built",
    });
    expect((await family("r1")).skipped).toBeUndefined();
    // The first evaluation made the family's detail table; its state records the table it made.
    expect((await family("r1b")).skipped).toBe("inputs unchanged");

    // A rename: people is rebuilt (its content changed), names and the view read names and are
    // rebuilt; by_entity and the family read only ids and entities and are not.
    await load([{ id: "p2", name: "Bobby", entity: "us" }], "l2");
    expect(skipped(await build())).toEqual({
      people: "built",
      by_entity: "inputs unchanged",
      names: "built",
      both: "built",
      by_entity_sql: "inputs unchanged",
    });
    expect((await family("r2")).skipped).toBe("inputs unchanged");
    expect(await t.warehouse.query(`SELECT name FROM test_reads.names WHERE id = 'p2'`)).toEqual([
      { name: "BOBBY" },
    ]);

    // An entity moves: now by_entity and the family see a change.
    await load([{ id: "p2", name: "Bobby", entity: "eu" }], "l3");
    expect(skipped(await build())).toEqual({
      people: "built",
      by_entity: "built",
      names: "built",
      both: "built",
      by_entity_sql: "built",
    });
    expect(
      await t.warehouse.query(`SELECT entity, people::int AS n FROM test_reads.by_entity ORDER BY entity`),
    ).toEqual([
      { entity: "eu", n: 2 },
      { entity: "us", n: 1 },
    ]);
    const evaluated = await family("r3");
    expect(evaluated.skipped).toBeUndefined();
    expect(evaluated.opened).toBe(1);

    // What the skipped model holds is what a full rebuild makes.
    const before = await t.warehouse.query(`SELECT * FROM test_reads.by_entity ORDER BY entity`);
    const full = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models,
      asOf: AS_OF,
      fullRefresh: true,
    });
    expect(full.every((o) => o.status === "succeeded" && !o.skipped)).toBe(true);
    expect(await t.warehouse.query(`SELECT * FROM test_reads.by_entity ORDER BY entity`)).toEqual(before);
  });

  it("a SQL model's columns= must list quoted column names", () => {
    expect(() =>
      parseSqlModel(
        `SELECT 1 FROM {{ ref('test_reads.people', columns=[id]) }}`,
        { schema: "test_reads", name: "bad" },
        "models/test_reads/bad.sql",
      ),
    ).toThrow(/models\/test_reads\/bad\.sql:1: .*columns= takes a list of quoted lower-case column names/);
  });

  it("a column the upstream no longer has rebuilds the reader, which then fails naming it", async () => {
    const gone = defineModel({
      ...byEntity,
      name: "by_region",
      sql: (ctx) =>
        `SELECT region, count(*) AS people FROM ${ctx.ref("test_reads.people", { columns: ["id", "region"] })} GROUP BY region`,
    });
    const outcomes = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models: [people, gone],
      asOf: AS_OF,
    });
    const o = outcomes.find((x) => x.model === "test_reads.by_region")!;
    expect(o.status).toBe("failed");
    expect(o.error).toMatch(/region/);
  });
});
