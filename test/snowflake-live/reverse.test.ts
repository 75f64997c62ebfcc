import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { runSyncs } from "../../reverse/run.js";
import { replayDeadLetters } from "../../reverse/sync.js";
import type { Warehouse } from "../../warehouse/interfaces.js";
import { openWarehouse } from "../../warehouse/open.js";
import { sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";

/**
 * `trueup sync` with its state in a live Snowflake (reverse.* from Snowflake migration 3) and the
 * sandbox's Zendesk as the destination, in process. Models are tables in `canonical` named after
 * this run, dropped at the end with every reverse.* row of this run's syncs (use a scratch
 * database).
 */
const url = process.env.WAREHOUSE_URL;
if (!url?.startsWith("snowflake://"))
  throw new Error("the live Snowflake suite needs WAREHOUSE_URL=snowflake://… (see docs/operations.md)");

const suffix = `live_${Date.now().toString(36)}`;
const mirror = `rev_${suffix}`;
const failing = `revf_${suffix}`;
const correction = `revc_${suffix}`;
const REVERSE_TABLES = ["sync_state", "audit", "failures", "dead_letters", "plans", "sync_runs"];
let wh: Warehouse;
let w: SandboxWorld;

function configWith(syncs: unknown[]): Config {
  return parseConfig({
    models: { builtin: false },
    writable: { zendesk: { organizations: ["name", "external_id", "organization_fields.billing_status"] } },
    syncs,
  });
}
const run = (config: Config, runId: string, more: { approve?: string[] } = {}) =>
  runSyncs({ warehouse: wh, config, credentials: w.credentials, runId: `${suffix}_${runId}`, log, ...more });

beforeAll(async () => {
  wh = (await openWarehouse(parseConfig({ models: { builtin: false } }), { url })).warehouse;
  w = await sandboxWorld(51, 0.05);
  await wh.query(`CREATE SCHEMA IF NOT EXISTS "canonical"`);
});
afterAll(async () => {
  for (const name of [mirror, failing, correction]) {
    await wh?.query(`DROP TABLE IF EXISTS "canonical"."${name}"`).catch(() => undefined);
    for (const table of REVERSE_TABLES)
      await wh?.query(`DELETE FROM "reverse"."${table}" WHERE "sync" = $1`, [name]).catch(() => undefined);
  }
  await wh?.close();
  await w?.close();
});

describe("reverse ETL state in a live Snowflake", () => {
  it("mirror: creates, plans nothing when nothing changed, merges a changed field into the snapshot, deletes what left", async () => {
    await wh.query(
      `CREATE OR REPLACE TABLE "canonical"."${mirror}" ("key" VARCHAR, "name" VARCHAR, "billing_status" VARCHAR)`,
    );
    await wh.query(
      `INSERT INTO "canonical"."${mirror}" VALUES ('k1', 'Live One', 'active'), ('k2', 'Live Two', 'past_due'), ('k3', 'Live Three', 'active')`,
    );
    const config = configWith([
      {
        name: mirror,
        model: `canonical.${mirror}`,
        destination: { system: "zendesk", object: "organizations" },
        matchKey: { column: "key", field: "external_id" },
        mapping: { name: "name", "organization_fields.billing_status": "billing_status" },
        mode: "mirror",
        maxChangeShare: 1,
      },
    ]);
    const byExt = (k: string) =>
      w.sandbox.store.list("zendesk", "organizations").find((o) => o.external_id === k);
    const state = async () =>
      (
        await wh.query<{
          record_id: string;
          payload: unknown;
          destination_id: string;
          created_by_sync: unknown;
        }>(
          `SELECT "record_id", "payload", "destination_id", "created_by_sync" FROM "reverse"."sync_state"
            WHERE "sync" = $1 ORDER BY "record_id"`,
          [mirror],
        )
      ).map((r) => ({
        ...r,
        payload: typeof r.payload === "string" ? (JSON.parse(r.payload) as unknown) : r.payload,
      }));

    const [first] = await run(config, "m1");
    expect(first).toMatchObject({ status: "succeeded", created: 3, verified: 3 });
    expect(await state()).toEqual(
      [
        ["k1", "Live One", "active"],
        ["k2", "Live Two", "past_due"],
        ["k3", "Live Three", "active"],
      ].map(([k, name, status]) => ({
        record_id: k,
        payload: { name, "organization_fields.billing_status": status },
        destination_id: String(byExt(k!)!.id),
        created_by_sync: true,
      })),
    );

    // The snapshot equals the model's object in Snowflake's own comparison: nothing to send.
    const [quiet] = await run(config, "m2");
    expect(quiet).toMatchObject({ status: "succeeded", writeCalls: 0 });
    expect(quiet!.plan.changes).toEqual([]);

    // One field changes: only it goes out, and it is merged into the snapshot (OBJECT_INSERT).
    await wh.query(`UPDATE "canonical"."${mirror}" SET "billing_status" = 'active' WHERE "key" = 'k2'`);
    const [changed] = await run(config, "m3");
    expect(changed).toMatchObject({ status: "succeeded", verified: 1, created: 0 });
    expect(changed!.plan.changes.map((c) => [c.recordId, c.fields])).toEqual([
      ["k2", { "organization_fields.billing_status": "active" }],
    ]);
    expect((await state()).find((s) => s.record_id === "k2")).toMatchObject({
      payload: { name: "Live Two", "organization_fields.billing_status": "active" },
      created_by_sync: true,
    });
    const [again] = await run(config, "m4");
    expect(again!.plan.changes).toEqual([]);

    // k3 leaves the model: deleted in Zendesk, its state row gone, the audit keeps what it held.
    await wh.query(`DELETE FROM "canonical"."${mirror}" WHERE "key" = 'k3'`);
    const [gone] = await run(config, "m5");
    expect(gone).toMatchObject({ status: "succeeded", deleted: 1, failed: 0 });
    expect(byExt("k3")).toBeUndefined();
    expect((await state()).map((s) => s.record_id)).toEqual(["k1", "k2"]);
    expect(
      await wh.query(
        `SELECT "record_id", "status", "before":name::VARCHAR AS "name" FROM "reverse"."audit"
          WHERE "sync" = $1 AND "run_id" = $2`,
        [mirror, `${suffix}_m5`],
      ),
    ).toEqual([{ record_id: "k3", status: "deleted", name: "Live Three" }]);
    expect(
      await wh.query(
        `SELECT "status", "deleted" FROM "reverse"."sync_runs" WHERE "sync" = $1 AND "run_id" = $2`,
        [mirror, `${suffix}_m5`],
      ),
    ).toEqual([{ status: "succeeded", deleted: "1" }]);
  });

  it("a failing record: attempts counted by MERGE, dead-lettered at maxAttempts, replayed once", async () => {
    await wh.query(
      `CREATE OR REPLACE TABLE "canonical"."${failing}" ("id" VARCHAR, "billing_status" VARCHAR)`,
    );
    await wh.query(`INSERT INTO "canonical"."${failing}" VALUES ('999999999', 'active')`);
    const config = configWith([
      {
        name: failing,
        model: `canonical.${failing}`,
        destination: { system: "zendesk", object: "organizations" },
        matchKey: { column: "id", field: "id" },
        mapping: { "organization_fields.billing_status": "billing_status" },
        maxAttempts: 2,
      },
    ]);
    const failures = () =>
      wh.query(`SELECT "record_id", "attempts" FROM "reverse"."failures" WHERE "sync" = $1`, [failing]);

    expect((await run(config, "f1"))[0]).toMatchObject({ status: "failed", failed: 1 });
    expect(await failures()).toEqual([{ record_id: "999999999", attempts: "1" }]);
    expect((await run(config, "f2"))[0]).toMatchObject({ status: "failed", deadLettered: 1 });
    expect(await failures()).toEqual([]);
    const dead = await wh.query<{ record_id: string; attempts: string; payload: unknown }>(
      `SELECT "record_id", "attempts", "payload" FROM "reverse"."dead_letters" WHERE "sync" = $1`,
      [failing],
    );
    expect(dead.map((d) => [d.record_id, d.attempts])).toEqual([["999999999", "2"]]);
    const payload = typeof dead[0]!.payload === "string" ? JSON.parse(dead[0]!.payload) : dead[0]!.payload;
    expect(payload).toEqual({ "organization_fields.billing_status": "active" });

    expect(await replayDeadLetters(wh, failing)).toBe(1);
    expect(await failures()).toEqual([{ record_id: "999999999", attempts: "0" }]);
    expect(
      await wh.query(
        `SELECT count(*) AS n FROM "reverse"."dead_letters" WHERE "sync" = $1 AND "replayed_at" IS NULL`,
        [failing],
      ),
    ).toEqual([{ n: "0" }]);
    expect(await replayDeadLetters(wh, failing)).toBe(0);
  });

  it("a correction: its plan is stored once however often it is planned, and approved by id", async () => {
    const org = w.sandbox.store.list("zendesk", "organizations")[0]!;
    await wh.query(
      `CREATE OR REPLACE TABLE "canonical"."${correction}" ("id" VARCHAR, "billing_status" VARCHAR)`,
    );
    await wh.query(`INSERT INTO "canonical"."${correction}" VALUES ($1, 'past_due')`, [String(org.id)]);
    const config = configWith([
      {
        name: correction,
        model: `canonical.${correction}`,
        destination: { system: "zendesk", object: "organizations" },
        matchKey: { column: "id", field: "id" },
        mapping: { "organization_fields.billing_status": "billing_status" },
        requiresApproval: true,
      },
    ]);
    const [pending] = await run(config, "c1");
    expect(pending).toMatchObject({ status: "pending", writeCalls: 0 });
    const [same] = await run(config, "c2");
    expect(same!.planId).toBe(pending!.planId);
    expect(
      await wh.query(`SELECT "plan_id", "status" FROM "reverse"."plans" WHERE "sync" = $1`, [correction]),
    ).toEqual([{ plan_id: pending!.planId, status: "pending" }]);

    const [applied] = await run(config, "c3", { approve: [pending!.planId!] });
    expect(applied).toMatchObject({ status: "succeeded", mode: "approved", verified: 1 });
    const after = w.sandbox.store.get("zendesk", "organizations", String(org.id)) as {
      organization_fields?: Record<string, unknown>;
    };
    expect(after.organization_fields?.billing_status).toBe("past_due");
    expect(
      await wh.query(
        `SELECT "status", "applied_run_id", "applied_at" IS NOT NULL AS "stamped" FROM "reverse"."plans" WHERE "plan_id" = $1`,
        [pending!.planId],
      ),
    ).toEqual([{ status: "applied", applied_run_id: `${suffix}_c3`, stamped: true }]);
  });
});
