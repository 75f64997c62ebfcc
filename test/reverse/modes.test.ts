import { parseCrontab } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { crontab } from "../../orchestration/worker.js";
import { runSyncs } from "../../reverse/run.js";
import { sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

type Row = Record<string, unknown>;

/**
 * Sync modes beyond `update`, and the circuit breaker, against the sandbox: upsert creates what
 * the match key does not find, mirror deletes only what the sync created, and a sync that would
 * change too much of the destination writes nothing.
 */
const WRITABLE = {
  salesforce: { Account: ["Name", "Trueup_Key__c", "Billing_Status__c"] },
  zendesk: { organizations: ["name", "external_id", "organization_fields.billing_status"] },
};

function configWith(syncs: unknown[]): Config {
  return parseConfig({ models: { builtin: false }, writable: WRITABLE, syncs });
}

const sfUpsert = {
  name: "sf_upsert",
  model: "canonical.mode_accounts",
  destination: { system: "salesforce", object: "Account" },
  matchKey: { column: "key", field: "Trueup_Key__c" },
  mapping: { Name: "name", Billing_Status__c: "billing_status" },
  mode: "upsert",
};
const zdMirror = {
  name: "zd_mirror",
  model: "canonical.mode_orgs",
  destination: { system: "zendesk", object: "organizations" },
  matchKey: { column: "key", field: "external_id" },
  mapping: { name: "name", "organization_fields.billing_status": "billing_status" },
  mode: "mirror",
};

describe("reverse ETL sync modes and the circuit breaker", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  const writes = (system: string) =>
    w.sandbox.requestLog.filter((r) => r.system === system && r.method !== "GET").length;

  beforeAll(async () => {
    w = await sandboxWorld(31, 0.1);
    t = await createTestDatabase();
    await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS canonical`);
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  it("refuses upsert/mirror syncs that match on the record id or on a field off the allow-list", () => {
    expect(() => configWith([{ ...sfUpsert, matchKey: { column: "key", field: "Id" } }])).toThrow(
      /syncs\.sf_upsert\.matchKey\.field: mode upsert creates records.*not the destination's own Id/s,
    );
    expect(() =>
      parseConfig({
        models: { builtin: false },
        writable: { salesforce: { Account: ["Name", "Billing_Status__c"] } },
        syncs: [sfUpsert],
      }),
    ).toThrow(/Account\.Trueup_Key__c must be on the allow-list/);
  });

  it("a sync's own schedule becomes a graphile-worker cron entry running that sync; a bad cron is refused", () => {
    const config = configWith([{ ...sfUpsert, schedule: "*/15 * * * *" }, zdMirror]);
    const items = parseCrontab(crontab(config));
    const sync = items.find((i) => i.options.jobKey === "trueup-sync-sf_upsert");
    expect(sync).toMatchObject({ payload: { name: "sync.sf_upsert", select: "sync.sf_upsert" } });
    expect(sync!.match({ min: 30, hour: 2, date: 1, month: 1, dow: 1 })).toBe(true);
    expect(sync!.match({ min: 31, hour: 2, date: 1, month: 1, dow: 1 })).toBe(false);
    expect(items.some((i) => i.options.jobKey === "trueup-sync-zd_mirror")).toBe(false);
    expect(() => configWith([{ ...sfUpsert, schedule: "every 15 minutes" }])).toThrow(/five cron fields/);
  });

  it("upsert updates the accounts its key finds and creates the others, in one call", async () => {
    const accounts = w.sandbox.store.list("salesforce", "Account").filter((a) => a.IsDeleted !== true);
    const [a1, a2] = accounts;
    w.sandbox.store.patch("salesforce", "Account", String(a1!.Id), { Trueup_Key__c: "cus_k1" });
    w.sandbox.store.patch("salesforce", "Account", String(a2!.Id), { Trueup_Key__c: "cus_k2" });
    await t.warehouse.query(
      `CREATE TABLE canonical.mode_accounts (key text, name text, billing_status text)`,
    );
    await t.warehouse.query(
      `INSERT INTO canonical.mode_accounts VALUES ('cus_k1', $1, 'current'), ('cus_k2', $2, 'overdue'), ('cus_k3', 'Brand New Co', 'current')`,
      [a1!.Name, a2!.Name],
    );
    const config = configWith([sfUpsert]);
    const before = writes("salesforce");
    const [r] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "m1",
      log,
    });
    expect(r).toMatchObject({ status: "succeeded", created: 1, verified: 3, failed: 0 });
    expect(writes("salesforce") - before).toBe(1);
    expect(w.sandbox.store.get("salesforce", "Account", String(a1!.Id))!.Billing_Status__c).toBe("current");
    expect(w.sandbox.store.get("salesforce", "Account", String(a2!.Id))!.Billing_Status__c).toBe("overdue");
    const made = w.sandbox.store.list("salesforce", "Account").filter((a) => a.Trueup_Key__c === "cus_k3");
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ Name: "Brand New Co", Billing_Status__c: "current", IsDeleted: false });
    const state = await t.warehouse.query<Row>(
      `SELECT record_id, destination_id, created_by_sync FROM reverse.sync_state WHERE sync = 'sf_upsert' ORDER BY record_id`,
    );
    expect(state).toEqual([
      { record_id: "cus_k1", destination_id: String(a1!.Id), created_by_sync: false },
      { record_id: "cus_k2", destination_id: String(a2!.Id), created_by_sync: false },
      { record_id: "cus_k3", destination_id: String(made[0]!.Id), created_by_sync: true },
    ]);

    // Nothing changed: no write call. One changed value: one call, one record.
    const quiet = writes("salesforce");
    await runSyncs({ warehouse: t.warehouse, config, credentials: w.credentials, runId: "m2", log });
    expect(writes("salesforce") - quiet).toBe(0);
    await t.warehouse.query(
      `UPDATE canonical.mode_accounts SET billing_status = 'churned' WHERE key = 'cus_k3'`,
    );
    const [r3] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "m3",
      log,
    });
    expect(r3).toMatchObject({ status: "succeeded", created: 0, verified: 1, written: 1 });
    expect(made[0]!.Billing_Status__c).toBe("churned");
  });

  it("a record the vendor refuses to create fails with the vendor's message and is retried", async () => {
    await t.warehouse.query(`INSERT INTO canonical.mode_accounts VALUES ('cus_k4', NULL, 'current')`);
    const config = configWith([sfUpsert]);
    const [r] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "m4",
      log,
    });
    expect(r).toMatchObject({ status: "failed", failed: 1, created: 0 });
    const [f] = await t.warehouse.query<Row>(
      `SELECT last_error FROM reverse.failures WHERE sync = 'sf_upsert' AND record_id = 'cus_k4'`,
    );
    expect(String(f!.last_error)).toMatch(/REQUIRED_FIELD_MISSING: Required fields are missing: \[Name\]/);
  });

  it("mirror creates and updates organizations, then deletes only the ones it created", async () => {
    const existing = w.sandbox.store.list("zendesk", "organizations")[0]!;
    w.sandbox.store.patch("zendesk", "organizations", String(existing.id), { external_id: "org_k1" });
    await t.warehouse.query(`CREATE TABLE canonical.mode_orgs (key text, name text, billing_status text)`);
    await t.warehouse.query(
      `INSERT INTO canonical.mode_orgs VALUES ('org_k1', $1, 'active'), ('org_k2', 'Mirror Two', 'active'), ('org_k3', 'Mirror Three', 'past_due')`,
      [existing.name],
    );
    const config = configWith([zdMirror]);
    const count0 = w.sandbox.store.list("zendesk", "organizations").length;
    const [r] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "z1",
      log,
    });
    expect(r).toMatchObject({ status: "succeeded", created: 2, verified: 3, deleted: 0 });
    expect(w.sandbox.store.list("zendesk", "organizations")).toHaveLength(count0 + 2);
    const byExt = (k: string) =>
      w.sandbox.store.list("zendesk", "organizations").find((o) => o.external_id === k) as Row | undefined;
    expect(byExt("org_k2")).toMatchObject({
      name: "Mirror Two",
      organization_fields: { billing_status: "active" },
    });
    expect((byExt("org_k1")!.organization_fields as Row).billing_status).toBe("active");

    // org_k1 (not created by the sync) and org_k2 (created by it) leave the model.
    await t.warehouse.query(`DELETE FROM canonical.mode_orgs WHERE key IN ('org_k1', 'org_k2')`);
    const [r2] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "z2",
      log,
    });
    expect(r2).toMatchObject({ status: "succeeded", deleted: 1, failed: 0 });
    expect(byExt("org_k2")).toBeUndefined();
    expect(byExt("org_k1")).toBeDefined();
    expect(byExt("org_k3")).toBeDefined();
    const audit = await t.warehouse.query<Row>(
      `SELECT record_id, status, before->>'name' AS name FROM reverse.audit WHERE sync = 'zd_mirror' AND run_id = 'z2'`,
    );
    expect(audit).toEqual([{ record_id: "org_k2", status: "deleted", name: "Mirror Two" }]);
    const [third] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "z3",
      log,
    });
    expect(third).toMatchObject({ status: "succeeded", deleted: 0, written: 0, writeCalls: 0 });
  });

  it("the circuit breaker blocks a sync that would change more than its share, writing nothing", async () => {
    const accounts = w.sandbox.store.list("salesforce", "Account").filter((a) => a.IsDeleted !== true);
    await t.warehouse.query(`CREATE TABLE canonical.breaker_accounts (id text, billing_status text)`);
    // 10 % of the accounts first (a first delivery is exempt), then half of them change at once.
    const ids = accounts.map((a) => String(a.Id));
    const firstTenth = ids.slice(0, Math.ceil(ids.length / 10));
    await t.warehouse.query(`INSERT INTO canonical.breaker_accounts SELECT unnest($1::text[]), 'current'`, [
      firstTenth,
    ]);
    const sync = {
      name: "sf_breaker",
      model: "canonical.breaker_accounts",
      destination: { system: "salesforce", object: "Account" },
      matchKey: { column: "id", field: "Id" },
      mapping: { Billing_Status__c: "billing_status" },
    };
    const config = configWith([sync]);
    const [first] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "b1",
      log,
    });
    expect(first).toMatchObject({ status: "succeeded", verified: firstTenth.length });
    await t.warehouse.query(`DELETE FROM canonical.breaker_accounts`);
    await t.warehouse.query(`INSERT INTO canonical.breaker_accounts SELECT unnest($1::text[]), 'overdue'`, [
      ids.slice(0, Math.ceil(ids.length / 2)),
    ]);
    const before = writes("salesforce");
    const snapshot = ids.map(
      (id) => w.sandbox.store.get("salesforce", "Account", id)!.Billing_Status__c ?? null,
    );
    const [blocked] = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: "b2",
      log,
    });
    expect(blocked).toMatchObject({ status: "blocked", written: 0 });
    expect(blocked!.message).toMatch(
      /circuit breaker: \d+ of \d+ Account records \(\d+\.\d %\) would change, above the limit of 20 %/,
    );
    expect(writes("salesforce") - before).toBe(0);
    expect(
      ids.map((id) => w.sandbox.store.get("salesforce", "Account", id)!.Billing_Status__c ?? null),
    ).toEqual(snapshot);
    const [run] = await t.warehouse.query<Row>(
      `SELECT status, written FROM reverse.sync_runs WHERE run_id = 'b2' AND sync = 'sf_breaker'`,
    );
    expect(run).toEqual({ status: "blocked", written: 0 });
  });

  it("retries of a partly failed first delivery do not count against the circuit breaker", async () => {
    // 10 accounts exist; 150 more are not in Salesforce yet, so the first delivery fails them.
    const real = w.sandbox.store
      .list("salesforce", "Account")
      .filter((a) => a.IsDeleted !== true)
      .slice(0, 10)
      .map((a) => String(a.Id));
    const missing = Array.from({ length: 150 }, (_, i) => `001RTY${String(i).padStart(12, "0")}`);
    await t.warehouse.query(`CREATE TABLE canonical.retry_accounts (id text, billing_status text)`);
    await t.warehouse.query(`INSERT INTO canonical.retry_accounts SELECT unnest($1::text[]), 'overdue'`, [
      [...real, ...missing],
    ]);
    const config = configWith([
      {
        name: "sf_retry",
        model: "canonical.retry_accounts",
        destination: { system: "salesforce", object: "Account" },
        matchKey: { column: "id", field: "Id" },
        mapping: { Billing_Status__c: "billing_status" },
        maxAttempts: 5,
      },
    ]);
    const go = async (runId: string) =>
      (await runSyncs({ warehouse: t.warehouse, config, credentials: w.credentials, runId, log }))[0]!;
    const first = await go("r1");
    expect(first).toMatchObject({ status: "failed", verified: 10, failed: 150 });
    // The accounts appear; their retries are more than 20 % of the destination, yet not new change.
    const accounts = w.sandbox.store.list("salesforce", "Account");
    const size = accounts.filter((a) => a.IsDeleted !== true).length + missing.length;
    expect(missing.length / size).toBeGreaterThan(0.2);
    w.sandbox.store.setTable("salesforce", "Account", [
      ...accounts,
      ...missing.map((Id, i) => ({ ...accounts[0]!, Id, Name: `Retry ${i}` })),
    ]);
    const second = await go("r2");
    expect(second).toMatchObject({ status: "succeeded", verified: 150, failed: 0 });
    for (const id of missing)
      expect(w.sandbox.store.get("salesforce", "Account", id)!.Billing_Status__c).toBe("overdue");
    // New change of the same size is still blocked.
    await t.warehouse.query(`UPDATE canonical.retry_accounts SET billing_status = 'churned'`);
    const third = await go("r3");
    expect(third.status).toBe("blocked");
    expect(third.message).toMatch(/circuit breaker: 160 of \d+ Account records/);
  });
});
