import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { runSyncs } from "../../reverse/run.js";
import { sameValue, type SyncRunResult } from "../../reverse/sync.js";
import { faultFor } from "../../sandbox/emulators/faults.js";
import { PORT_ORDER } from "../../sandbox/emulators/registry.js";
import { runCli } from "../helpers/cli.js";
import {
  deliveredAudit,
  landedChanges,
  snapshotRecords,
  threeModes,
  valueAt,
} from "../helpers/reverse-audit.js";
import { sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

type Row = Record<string, unknown>;

/**
 * Reverse ETL in its three modes under the sandbox's hostile profile (5xx, 429, slow answers,
 * truncated bodies after the write was applied, connection resets): run until nothing is left
 * to retry, then every record holds the model's values, every change that landed has exactly
 * one audit row saying delivered (a truncated response to a write that landed included), no
 * write was repeated, retries never tripped the circuit breaker, and records the mirror created
 * are its to delete even when their read-back failed.
 */
const FAULT_SEED = 5;
const ACCOUNTS = 450;

const {
  syncs: SYNCS,
  config: RAW_CONFIG,
  tables: TABLES,
} = threeModes("h", { all: { maxAttempts: 10 }, mirror: { maxChangeShare: 1 } });
const MAPPINGS = Object.fromEntries(
  (RAW_CONFIG.syncs as { name: string; mapping: Record<string, string> }[]).map((s) => [s.name, s.mapping]),
);

/** The write requests the hostile profile answered with a cut-off body after applying them. */
function truncatedWrites(w: SandboxWorld, faultSeed: number): number {
  const counters = new Map<string, number>();
  let n = 0;
  for (const e of w.sandbox.requestLog) {
    const i = counters.get(e.system) ?? 0;
    counters.set(e.system, i + 1);
    const fault = faultFor("hostile", faultSeed, PORT_ORDER.indexOf(e.system), i);
    if (e.method !== "GET" && fault.kind === "truncate" && e.status > 0 && e.status < 300) n++;
  }
  return n;
}

describe("reverse ETL under the hostile profile, in every mode", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  let config: Config;
  let initial: Map<string, Row>;
  const results: SyncRunResult[][] = [];
  let runs = 0;
  const run = async () => {
    const r = await runSyncs({
      warehouse: t.warehouse,
      config,
      credentials: w.credentials,
      runId: `h${++runs}`,
      log,
    });
    results.push(r);
    return r;
  };
  /** Runs until no sync has anything left to retry. */
  const settle = async () => {
    for (let i = 0; i < 12; i++) {
      const r = await run();
      if (r.every((x) => x.status === "succeeded")) return;
    }
    throw new Error(`still failing after 12 runs: ${JSON.stringify(results.at(-1))}`);
  };

  beforeAll(async () => {
    w = await sandboxWorld(71, 0.1, { faults: "hostile", faultSeed: FAULT_SEED });
    const accounts = [...w.sandbox.store.list("salesforce", "Account")];
    for (let i = accounts.length; i < ACCOUNTS; i++)
      accounts.push({ ...accounts[0]!, Id: `001HST${String(i).padStart(12, "0")}`, Name: `Hostile ${i}` });
    w.sandbox.store.setTable("salesforce", "Account", accounts);
    config = parseConfig(RAW_CONFIG);
    t = await createTestDatabase();
    await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS canonical`);
    for (const sql of TABLES) await t.warehouse.query(sql);
    initial = snapshotRecords(w.sandbox, SYNCS);
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  it("delivers everything once, audits every landed change once, and never trips the breaker on retries", async () => {
    const ids = w.sandbox.store
      .list("salesforce", "Account")
      .filter((a) => a.IsDeleted !== true)
      .map((a) => String(a.Id));
    await t.warehouse.query(
      `INSERT INTO canonical.h_accounts SELECT id, 'current', (ord * 3) % 100 FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord)`,
      [ids],
    );
    await t.warehouse.query(
      `INSERT INTO canonical.h_keyed SELECT 'key_' || j, 'Keyed ' || j, 'overdue' FROM generate_series(1, 60) j`,
    );
    await t.warehouse.query(
      `INSERT INTO canonical.h_orgs SELECT 'org_' || j, 'Org ' || j, 'churned' FROM generate_series(1, 40) j`,
    );
    await settle();

    // Second round: a tenth of the accounts change, orgs come and go, keyed names change.
    await t.warehouse.query(
      `UPDATE canonical.h_accounts SET billing_status = 'overdue', health_score = health_score + 1
        WHERE id IN (SELECT id FROM canonical.h_accounts ORDER BY id LIMIT $1)`,
      [Math.floor(ids.length / 10)],
    );
    await t.warehouse.query(`UPDATE canonical.h_keyed SET name = name || ' (renamed)' WHERE key <= 'key_3'`);
    await t.warehouse.query(
      `DELETE FROM canonical.h_orgs WHERE key IN (SELECT key FROM canonical.h_orgs ORDER BY key LIMIT 15)`,
    );
    await t.warehouse.query(
      `INSERT INTO canonical.h_orgs SELECT 'org_' || j, 'Org ' || j, 'current' FROM generate_series(41, 50) j`,
    );
    await settle();
    // Records failed and were retried on later runs, and no run was blocked by its retries.
    expect(results.flat().filter((r) => r.failed > 0).length).toBeGreaterThan(0);
    expect(results.flat().filter((r) => r.status === "blocked")).toEqual([]);

    // Every record holds the model's values; the orgs that left the model are gone.
    for (const [sync, table, key] of [
      ["h_update", "h_accounts", "id"],
      ["h_upsert", "h_keyed", "key"],
      ["h_mirror", "h_orgs", "key"],
    ] as const) {
      const u = SYNCS.find((s) => s.name === sync)!;
      const mapping = MAPPINGS[sync]!;
      const byKey = new Map(
        w.sandbox.store
          .list(u.system, u.object)
          .filter((r) => r.IsDeleted !== true && u.recordId(r) !== undefined)
          .map((r) => [u.recordId(r)!, r]),
      );
      const rows = await t.warehouse.query<Row>(`SELECT * FROM canonical.${table}`);
      if (sync !== "h_update") expect([sync, byKey.size]).toEqual([sync, rows.length]);
      for (const row of rows) {
        const rec = byKey.get(String(row[key]));
        expect(rec, `${sync} ${String(row[key])}`).toBeDefined();
        for (const [field, column] of Object.entries(mapping))
          expect(sameValue(valueAt(rec!, field), row[column]), `${sync} ${String(row[key])} ${field}`).toBe(
            true,
          );
      }
    }

    // Exactly one delivered audit row per landed change (truncated responses included), one
    // deleted row per deletion, and no write that changed nothing.
    const changes = landedChanges(w.sandbox, SYNCS, initial);
    const audit = await deliveredAudit(t.warehouse);
    expect(audit.delivered).toEqual(changes.landed);
    expect(audit.deleted).toEqual(changes.deleted);
    expect(changes.deleted).toHaveLength(15);
    expect(changes.noOps).toEqual([]);
    // How many write answers the profile cut off this time (the scripted test below makes sure of one).
    const truncated = truncatedWrites(w, FAULT_SEED);

    // Mirror ownership: every org the sync created is marked so, including any whose read-back
    // failed on the way.
    const owned = await t.warehouse.query<{ record_id: string; created_by_sync: boolean }>(
      `SELECT record_id, created_by_sync FROM reverse.sync_state WHERE sync = 'h_mirror'`,
    );
    expect(owned.filter((o) => !o.created_by_sync)).toEqual([]);
    const [{ n: left }] = (await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM reverse.intents WHERE sent_at IS NOT NULL`,
    )) as [{ n: string }];
    expect(Number(left)).toBe(0);
    const retried = await t.warehouse.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM reverse.audit WHERE status NOT IN ('verified', 'created', 'deleted') GROUP BY status ORDER BY status`,
    );
    console.log(
      `hostile reverse ETL: ${runs} runs, ${changes.landed.length} landed changes, ${truncated} truncated write responses; ` +
        `other audit rows ${JSON.stringify(Object.fromEntries(retried.map((r) => [r.status, Number(r.n)])))}`,
    );
  });

  it("one blocked sync does not stop the others; `trueup sync` reports each and exits 1", async () => {
    // Half the accounts change at once (blocked); the keyed accounts and orgs change a little.
    await t.warehouse.query(
      `UPDATE canonical.h_accounts SET billing_status = 'churned'
        WHERE id IN (SELECT id FROM canonical.h_accounts ORDER BY id LIMIT (SELECT count(*) / 2 FROM canonical.h_accounts))`,
    );
    await t.warehouse.query(`UPDATE canonical.h_keyed SET billing_status = 'current' WHERE key = 'key_7'`);
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-hostile-"));
    try {
      const file = path.join(dir, "trueup.config.ts");
      writeFileSync(file, `export const config = ${JSON.stringify(RAW_CONFIG)};\n`);
      const env = { ...w.sandbox.env, WAREHOUSE_URL: t.url, TRUEUP_LOG_LEVEL: "error" };
      let r = await runCli(["--config", file, "sync", "--json"], { env, cwd: dir });
      // The hostile profile may fail a record of the unblocked sync; the next run retries it.
      for (let i = 0; i < 5 && r.code === 1 && /"status":\s*"failed"/.test(r.stdout); i++)
        r = await runCli(["--config", file, "sync", "--json"], { env, cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout) as { syncs: SyncRunResult[] };
      expect(out.syncs.map((s) => [s.sync, s.status])).toEqual([
        ["h_update", "blocked"],
        ["h_upsert", "succeeded"],
        ["h_mirror", "succeeded"],
      ]);
      expect(out.syncs[0]!.message).toMatch(/circuit breaker: .* would change, above the limit of 20 %/);
      expect(
        w.sandbox.store.list("salesforce", "Account").find((a) => a.Trueup_Key__c === "key_7")!
          .Billing_Status__c,
      ).toBe("current");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("scripted faults: a lost write response, a failed read-back of a created record", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  let faultsOn = true;
  let createSeen = false;
  const scripted = threeModes("s");
  beforeAll(async () => {
    let truncated = false;
    w = await sandboxWorld(73, 0.05, {
      faultAt: ({ system, method, path }) => {
        if (!faultsOn) return undefined;
        // The first Salesforce update collection is applied, and its answer cut off.
        if (
          system === "salesforce" &&
          method === "PATCH" &&
          path.endsWith("/composite/sobjects") &&
          !truncated
        ) {
          truncated = true;
          return { kind: "truncate" };
        }
        if (system === "zendesk" && method === "POST" && path.endsWith("/create_many.json"))
          createSeen = true;
        // The read-back after the create is answered with the lookup served before it (no org).
        if (system === "zendesk" && method === "GET" && path.endsWith("/show_many.json") && createSeen) {
          createSeen = false;
          return { kind: "replay" };
        }
        return undefined;
      },
    });
    t = await createTestDatabase();
    await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS canonical`);
    for (const sql of scripted.tables) await t.warehouse.query(sql);
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  it("audits each landed change once and keeps the mirror's ownership of what it created", async () => {
    const initial = snapshotRecords(w.sandbox, scripted.syncs);
    const config = parseConfig(scripted.config);
    const go = async (runId: string) =>
      runSyncs({ warehouse: t.warehouse, config, credentials: w.credentials, runId, log });
    const ids = w.sandbox.store
      .list("salesforce", "Account")
      .filter((a) => a.IsDeleted !== true)
      .slice(0, 5)
      .map((a) => String(a.Id));
    await t.warehouse.query(`INSERT INTO canonical.s_accounts SELECT unnest($1::text[]), 'overdue', 42`, [
      ids,
    ]);
    await t.warehouse.query(
      `INSERT INTO canonical.s_orgs SELECT 'org_s' || j, 'Scripted ' || j, 'current' FROM generate_series(1, 3) j`,
    );
    const [update, , mirror] = await go("s1");
    // The truncated answer: the read-back shows the write landed, so it is delivered now.
    expect(update).toMatchObject({ status: "succeeded", verified: 5, failed: 0 });
    // The created orgs could not be read back: failed this run, and retried.
    expect(mirror).toMatchObject({ status: "failed", failed: 3 });
    faultsOn = false;
    const [, , mirror2] = await go("s2");
    expect(mirror2).toMatchObject({ status: "succeeded", verified: 3, writeCalls: 0 });
    const owned = await t.warehouse.query<{ record_id: string; created_by_sync: boolean }>(
      `SELECT record_id, created_by_sync FROM reverse.sync_state WHERE sync = 's_mirror' ORDER BY record_id`,
    );
    expect(owned).toEqual(
      ["org_s1", "org_s2", "org_s3"].map((record_id) => ({ record_id, created_by_sync: true })),
    );
    const found = await t.warehouse.query<{ n: string; sent: string }>(
      `SELECT count(*) AS n, min(sent_run_id) AS sent FROM reverse.audit WHERE sync = 's_mirror' AND status = 'found_delivered' AND run_id = 's2'`,
    );
    expect(found[0]).toEqual({ n: "6", sent: "s1" });

    // They leave the model: the mirror deletes them, as records it created.
    await t.warehouse.query(`DELETE FROM canonical.s_orgs`);
    const [, , mirror3] = await go("s3");
    expect(mirror3).toMatchObject({ status: "succeeded", deleted: 3 });
    const changes = landedChanges(w.sandbox, scripted.syncs, initial);
    const audit = await deliveredAudit(t.warehouse);
    expect(audit.delivered).toEqual(changes.landed);
    expect(audit.deleted).toEqual(changes.deleted);
    expect(changes.deleted).toHaveLength(3);
    expect(changes.noOps).toEqual([]);
  });
});
