import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModels } from "../../models/build.js";
import { canonicalModels } from "../../models/canonical/index.js";
import { runSyncs } from "../../reverse/run.js";
import { sameValue } from "../../reverse/sync.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { extractAll, sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

type Row = Record<string, unknown>;
const get = (r: Row, path: string): unknown =>
  path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Row)[k] : undefined), r);

async function prepare(seed: number, faults: "none" | "hostile") {
  const w = await sandboxWorld(seed, 0.2, { faults, faultSeed: 9 });
  const t = await createTestDatabase();
  const truthAsOf = w.sandbox.store.asOf.toISOString();
  for (const s of ["salesforce", "stripe", "netsuite", "zendesk"] as const)
    w.config.sources[s]!.maxRetries = 12;
  await extractAll(t.warehouse, w, "load");
  const built = await buildModels({
    warehouse: t.warehouse,
    config: w.config,
    log,
    models: canonicalModels,
    asOf: truthAsOf,
  });
  expect(built.filter((b) => b.status !== "succeeded")).toEqual([]);
  return { w, t };
}

/** Every matched record in the destination holds the model's values (read back from the sandbox store). */
async function expectDelivered(t: TestDatabase, w: SandboxWorld, syncName: string): Promise<number> {
  const sync = w.config.syncs.find((s) => s.name === syncName)!;
  const rows = await t.warehouse.query<Row>(
    `SELECT * FROM ${sync.model} WHERE ${sync.matchKey.column} IS NOT NULL`,
  );
  const object = sync.destination.object;
  let checked = 0;
  for (const r of rows) {
    const rec = w.sandbox.store.get(sync.destination.system, object, String(r[sync.matchKey.column]));
    if (!rec) continue;
    for (const [field, column] of Object.entries(sync.mapping)) {
      const want = r[column];
      if (want === null || want === undefined) continue; // never overwrite with null
      const got = get(rec, field);
      const norm = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);
      expect(sameValue(got, norm(want)), `${syncName} ${String(r[sync.matchKey.column])} ${field}`).toBe(
        true,
      );
    }
    checked++;
  }
  return checked;
}

describe("reverse ETL into the sandbox", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  beforeAll(async () => {
    ({ w, t } = await prepare(21, "none"));
    // A world's extract and build, on a machine running other suites beside this one.
  }, 600_000);
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  const run = (runId: string, names = ["salesforce_account_health", "zendesk_organization_health"]) =>
    runSyncs({ warehouse: t.warehouse, config: w.config, credentials: w.credentials, runId, log, names });

  it("the first sync delivers every matched record; a second run makes no write call", async () => {
    const first = await run("s1");
    expect(first.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(await expectDelivered(t, w, "salesforce_account_health")).toBeGreaterThan(50);
    expect(await expectDelivered(t, w, "zendesk_organization_health")).toBeGreaterThan(50);
    w.sandbox.requestLog.length = 0;
    const second = await run("s2");
    expect(second.map((r) => r.writeCalls)).toEqual([0, 0]);
    const writes = w.sandbox.requestLog.filter((r) => r.method === "PATCH" || r.method === "PUT");
    expect(writes).toEqual([]);
  });

  it("5 changed source values write exactly those 5 records, in one call per destination", async () => {
    const ids = await t.warehouse.query<{ customer_id: string }>(
      `SELECT customer_id FROM canonical.customer_health
        WHERE salesforce_account_id IS NOT NULL AND zendesk_organization_id IS NOT NULL ORDER BY customer_id LIMIT 5`,
    );
    expect(ids).toHaveLength(5);
    await t.warehouse.query(
      `UPDATE canonical.customer_health SET health_score = coalesce(health_score, 0) + 1 WHERE customer_id = ANY($1)`,
      [ids.map((r) => r.customer_id)],
    );
    w.sandbox.requestLog.length = 0;
    const res = await run("s3");
    expect(res.map((r) => [r.plan.changes.length, r.verified, r.writeCalls])).toEqual([
      [5, 5, 1],
      [5, 5, 1],
    ]);
    const sfWrites = w.sandbox.requestLog.filter((r) => r.system === "salesforce" && r.method === "PATCH");
    const zdWrites = w.sandbox.requestLog.filter((r) => r.system === "zendesk" && r.method === "PUT");
    expect([sfWrites.length, zdWrites.length]).toEqual([1, 1]);
    await expectDelivered(t, w, "salesforce_account_health");
  });

  it("a record the vendor rejects ends in dead letters with the vendor's message", async () => {
    const [row] = await t.warehouse.query<{ customer_id: string; salesforce_account_id: string }>(
      `SELECT customer_id, salesforce_account_id FROM canonical.customer_health WHERE salesforce_account_id IS NOT NULL ORDER BY customer_id DESC LIMIT 1`,
    );
    // The account is deleted in Salesforce after trueup read it; its next health update is rejected.
    w.sandbox.store.remove("salesforce", "Account", row!.salesforce_account_id);
    await t.warehouse.query(
      `UPDATE canonical.customer_health SET health_score = coalesce(health_score, 0) + 7 WHERE customer_id = $1`,
      [row!.customer_id],
    );
    const sync = w.config.syncs.find((s) => s.name === "salesforce_account_health")!;
    for (let i = 0; i < sync.maxAttempts; i++) await run(`dl${i}`, ["salesforce_account_health"]);
    const dead = await t.warehouse.query<{ record_id: string; error: string }>(
      `SELECT record_id, error FROM reverse.dead_letters WHERE sync = 'salesforce_account_health'`,
    );
    expect(dead.map((d) => d.record_id)).toEqual([row!.salesforce_account_id]);
    expect(dead[0]!.error).toMatch(/not found|ENTITY_IS_DELETED/);
  });

  it("a correction waits for approval, then `trueup sync --approve ID --by NAME` runs exactly that plan", async () => {
    const [pending] = await runSyncs({
      warehouse: t.warehouse,
      config: w.config,
      credentials: w.credentials,
      runId: "c1",
      log,
      names: ["zendesk_support_tier_correction"],
    });
    expect(pending!.status).toBe("pending");
    expect(pending!.writeCalls).toBe(0);
    expect(pending!.plan.changes.length).toBeGreaterThan(0);
    const id = pending!.planId!;
    // The real binary, with the example config and the sandbox's variables, as a user runs it.
    const approved = await runCli(
      ["sync", "zendesk_support_tier_correction", "--approve", id, "--by", "alice"],
      {
        cwd: REPO_ROOT,
        env: { ...w.sandbox.env, WAREHOUSE_URL: t.url, TRUEUP_USER: "mallory" },
        timeoutMs: 120_000,
      },
    );
    expect([approved.code, approved.stderr.slice(-800)]).toEqual([0, approved.stderr.slice(-800)]);
    expect(approved.stdout).toContain(`plan ${id} approved by alice`);
    const [plan] = await t.warehouse.query<{ status: string; approved_by: string; approved_at: Date | null }>(
      `SELECT status, approved_by, approved_at FROM reverse.plans WHERE plan_id = $1`,
      [id],
    );
    expect([plan!.status, plan!.approved_by, plan!.approved_at !== null]).toEqual(["applied", "alice", true]);
    const events = await t.warehouse.query<{ event: string; actor: string }>(
      `SELECT event, actor FROM reverse.plan_events WHERE plan_id = $1 ORDER BY at`,
      [id],
    );
    expect(events).toEqual([{ event: "approved", actor: "alice" }]);
    for (const c of pending!.plan.changes) {
      const org = w.sandbox.store.get("zendesk", "organizations", c.recordId)!;
      expect(get(org, "organization_fields.support_tier")).toBe(c.fields["organization_fields.support_tier"]);
    }
  });
});

describe("reverse ETL under the hostile profile", () => {
  it("every record ends correct and no record is written twice", async () => {
    const { w, t } = await prepare(22, "hostile");
    try {
      const names = ["salesforce_account_health", "zendesk_organization_health"];
      // Failures (cut-off responses after a write) are retried on the next run, after reading back.
      for (let i = 0; i < 4; i++)
        await runSyncs({
          warehouse: t.warehouse,
          config: w.config,
          credentials: w.credentials,
          runId: `h${i}`,
          log,
          names,
        });
      await expectDelivered(t, w, "salesforce_account_health");
      await expectDelivered(t, w, "zendesk_organization_health");
      const writesPerRecord = new Map<string, number>();
      for (const c of w.sandbox.store.changes) {
        if (c.kind !== "updated") continue;
        const k = `${c.system}/${c.id}`;
        writesPerRecord.set(k, (writesPerRecord.get(k) ?? 0) + 1);
      }
      expect(writesPerRecord.size).toBeGreaterThan(50);
      expect([...writesPerRecord.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await t.drop();
      await w.close();
    }
    // Extract and build under the hostile profile, then four sync runs: minutes on a loaded machine.
  }, 600_000);
});
