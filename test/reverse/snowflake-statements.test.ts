import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { runSyncs } from "../../reverse/run.js";
import { replayDeadLetters } from "../../reverse/sync.js";
import { migrate } from "../../warehouse/migrations/migrate.js";
import { MIGRATIONS } from "../../warehouse/migrations/migrations.js";
import { SNOWFLAKE_MIGRATIONS } from "../../warehouse/migrations/snowflake.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";
import { statementKind } from "../../warehouse/snowflake/session.js";
import { SnowflakeWarehouse } from "../../warehouse/snowflake/warehouse.js";
import { sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { recordingConnection, type Answer, type SentStatement } from "../helpers/snowflake.js";

/**
 * `trueup sync` on Snowflake without an account: the real reverse code (plan, deliver, state,
 * audit, failures, dead letters, plans, replay) runs against the sandbox's destinations and a
 * SnowflakeSession whose snowflake-sdk connection records each statement and answers from a
 * small script (the rows Snowflake would return, upper-case keys, VARIANTs as JSON text).
 * Every statement must be Snowflake SQL: no Postgres-only construct, upserts as MERGE, binds
 * matching the placeholders, no DDL once a transaction has begun (TransactionRunner refuses it).
 */

type Row = Record<string, unknown>;

const WRITABLE = {
  salesforce: { Account: ["Name", "Trueup_Key__c", "Billing_Status__c"] },
  zendesk: { organizations: ["name", "external_id", "organization_fields.billing_status"] },
};
const sfUpdate = {
  name: "sf_update",
  model: "canonical.sf_update",
  destination: { system: "salesforce", object: "Account" },
  matchKey: { column: "id", field: "Id" },
  mapping: { Billing_Status__c: "billing_status" },
};
const sfCorrection = { ...sfUpdate, name: "sf_correction", requiresApproval: true };
const zdMirror = {
  name: "zd_mirror",
  model: "canonical.zd_mirror",
  destination: { system: "zendesk", object: "organizations" },
  matchKey: { column: "key", field: "external_id" },
  mapping: { name: "name", "organization_fields.billing_status": "billing_status" },
  mode: "mirror",
};

function configWith(syncs: unknown[]): Config {
  return parseConfig({ models: { builtin: false }, writable: WRITABLE, syncs });
}

/** A change-detection row as Snowflake returns it: upper-case keys, VARIANT as JSON text, NUMBER as text. */
function planRow(recordId: string, payload: Row, last: Row | null, total: number): Row {
  return {
    RECORD_ID: recordId,
    PAYLOAD: JSON.stringify(payload),
    LAST: last && JSON.stringify(last),
    RETRY: false,
    TOTAL: String(total),
  };
}

/** The script most syncs need: the model exists, `plan` comes back from change detection. */
function script(plan: Row[], more: Answer = () => undefined): Answer {
  return (sql, binds) =>
    more(sql, binds) ??
    (/information_schema\.tables/.test(sql)
      ? [{ OK: 1 }]
      : /^WITH src AS/.test(sql)
        ? plan
        : /count\(\*\) AS n FROM reverse\.sync_state/.test(sql)
          ? [{ N: "0" }]
          : undefined);
}

const WRITES = /^(INSERT|UPDATE|DELETE|MERGE)\b/;

describe("trueup sync on Snowflake (recorded statements)", () => {
  let w: SandboxWorld;
  let answer: Answer = () => undefined;
  let sent: SentStatement[];
  let wh: SnowflakeWarehouse;

  beforeAll(async () => {
    w = await sandboxWorld(41, 0.05);
    const c = recordingConnection((sql, binds) => answer(sql, binds));
    sent = c.sent;
    wh = SnowflakeWarehouse.on(c.conn);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Every statement sent since `from`: Snowflake SQL only, and no upsert without MERGE. */
  function expectSnowflakeOnly(from = 0): SentStatement[] {
    const run = sent.slice(from);
    expect(run.length).toBeGreaterThan(0);
    for (const s of run) {
      expect(postgresOnlyConstructs(s.sql), s.sql).toEqual([]);
      expect(s.sql, "ON CONFLICT reached Snowflake").not.toMatch(/\bON\s+CONFLICT\b/i);
      expect(s.sql).not.toMatch(/\bRETURNING\b|\bANY\s*\(|\bnow\s*\(\)/i);
    }
    return run;
  }
  /** Writes to a reverse table, named quoted or not (statements Snowflake shares with Postgres are not). */
  const writesTo = (run: SentStatement[], table: string) =>
    run.filter(
      (s) =>
        WRITES.test(s.sql) && new RegExp(`(?:"reverse"|\\breverse)\\.(?:"${table}"|${table}\\b)`).test(s.sql),
    );

  it("an update sync writes its snapshot, audit, failure, dead letter and run log as Snowflake statements", async () => {
    const [a1, a2] = w.sandbox.store.list("salesforce", "Account").filter((a) => a.IsDeleted !== true);
    const missing = "001000000000MISSNG";
    answer = script(
      [
        planRow(String(a1!.Id), { Billing_Status__c: "overdue" }, null, 3),
        planRow(String(a2!.Id), { Billing_Status__c: "churned" }, { Billing_Status__c: "current" }, 3),
        planRow(missing, { Billing_Status__c: "current" }, null, 3),
      ],
      (sql) => (/SELECT MAX\("attempts"\)/.test(sql) ? [{ ATTEMPTS: "3" }] : undefined),
    );
    const from = sent.length;
    const [r] = await runSyncs({
      warehouse: wh,
      config: configWith([sfUpdate]),
      credentials: w.credentials,
      runId: "sf1",
      log,
    });
    expect(r).toMatchObject({ status: "failed", verified: 2, deadLettered: 1, failed: 0 });
    expect(w.sandbox.store.get("salesforce", "Account", String(a1!.Id))!.Billing_Status__c).toBe("overdue");
    expect(w.sandbox.store.get("salesforce", "Account", String(a2!.Id))!.Billing_Status__c).toBe("churned");

    const run = expectSnowflakeOnly(from);
    // Change detection: the golden Snowflake SQL, its two `?` bound to the sync's name.
    const detect = run.find((s) => s.sql.startsWith("WITH src AS"))!;
    expect(detect.sql).toMatch(/QUALIFY ROW_NUMBER\(\)/);
    expect(detect.binds).toEqual(["sf_update", "sf_update"]);

    // The snapshot: one MERGE per verified record, merging the delivered keys into the old payload.
    const state = writesTo(run, "sync_state");
    expect(state).toHaveLength(2);
    for (const s of state) {
      expect(s.sql).toMatch(/^MERGE INTO "reverse"\."sync_state" t/);
      expect(s.sql).toMatch(/WHEN MATCHED THEN UPDATE SET[\s\S]*WHEN NOT MATCHED THEN INSERT/);
      expect(s.sql).toContain(`OBJECT_INSERT(t."payload"::OBJECT, :7, GET(s."payload", :7), TRUE)`);
      expect(s.sql).toContain("CURRENT_TIMESTAMP()");
    }
    // sync, record, payload (JSON text), run, destination id, created by the sync, then the keys.
    expect(state.map((s) => s.binds)).toEqual([
      [
        "sf_update",
        String(a1!.Id),
        '{"Billing_Status__c":"overdue"}',
        "sf1",
        String(a1!.Id),
        false,
        "Billing_Status__c",
      ],
      [
        "sf_update",
        String(a2!.Id),
        '{"Billing_Status__c":"churned"}',
        "sf1",
        String(a2!.Id),
        false,
        "Billing_Status__c",
      ],
    ]);

    // The failure: a MERGE, its attempts read back (no RETURNING), then the dead letter.
    const failures = writesTo(run, "failures");
    expect(failures.map((s) => s.sql.split(/\s/)[0])).toEqual(["DELETE", "DELETE", "MERGE", "DELETE"]);
    const failure = failures[2]!;
    expect(failure.sql).toMatch(/t\."attempts" = t\."attempts" \+ 1/);
    expect(failure.binds.slice(0, 2)).toEqual(["sf_update", missing]);
    const dead = writesTo(run, "dead_letters");
    expect(dead).toHaveLength(1);
    expect(dead[0]!.sql).toMatch(
      /^INSERT INTO "reverse"\."dead_letters" [\s\S]*SELECT :1, :2, PARSE_JSON\(:3\), :4, :5$/,
    );
    expect(dead[0]!.binds).toEqual([
      "sf_update",
      missing,
      '{"Billing_Status__c":"current"}',
      expect.stringMatching(/not found/),
      3,
    ]);

    // The audit: JSON through PARSE_JSON in INSERT … SELECT (Snowflake refuses it in VALUES).
    const audit = writesTo(run, "audit");
    expect(audit.map((s) => s.binds[8])).toEqual(["verified", "verified", "dead_letter"]);
    for (const s of audit) {
      expect(s.sql).toMatch(
        /SELECT :1, :2, :3, :4, :5, :6, PARSE_JSON\(:7\), PARSE_JSON\(:8\), :9, :10, :11, :12, :13, :14$/,
      );
      expect(s.sql).not.toMatch(/\bVALUES\b/);
    }
    expect(JSON.parse(audit[1]!.binds[6] as string)).toBeNull(); // before: what Salesforce held (none set)

    // The run log: a row inserted when the sync starts (running, with host and pid), then one
    // MERGE keyed by run and sync with the outcome.
    const runs = writesTo(run, "sync_runs");
    expect(runs).toHaveLength(2);
    expect(runs[0]!.sql).toMatch(/^MERGE INTO "reverse"\."sync_runs" t[\s\S]*WHEN NOT MATCHED THEN INSERT/);
    expect(runs[0]!.sql).toContain("'running'");
    expect(runs[0]!.binds.slice(0, 3)).toEqual(["sf1", "sf_update", "apply"]);
    expect(runs[1]!.sql).toMatch(
      /^MERGE INTO "reverse"\."sync_runs" t[\s\S]*ON t\."run_id" = s\."run_id" AND t\."sync" = s\."sync"/,
    );
    expect(runs[1]!.binds.slice(0, 6)).toEqual(["sf1", "sf_update", "apply", "failed", 3, 2]);

    // Intents: planned, then marked sent before the write call, and gone once the records are
    // verified or dead-lettered, in the batch's transaction.
    const intents = writesTo(run, "intents");
    expect(intents.map((s) => s.sql.split(/\s/)[0])).toEqual(["INSERT", "DELETE", "INSERT", "DELETE"]);

    // The batch's rows went in one transaction (no DDL at all); the run log after its COMMIT,
    // in autocommit.
    expect(run.map((s) => statementKind(s.sql))).not.toContain("ddl");
    const at = (s: SentStatement | string) =>
      run.findIndex((x) => (typeof s === "string" ? x.sql === s : x === s));
    const lastBegin = run.map((s) => s.sql).lastIndexOf("BEGIN");
    const lastCommit = run.map((s) => s.sql).lastIndexOf("COMMIT");
    expect(lastBegin).toBeLessThan(at(state[0]!));
    expect(at(audit.at(-1)!)).toBeLessThan(lastCommit);
    expect(at(intents.at(-1)!)).toBeLessThan(lastCommit);
    expect(lastCommit).toBeLessThan(at(runs[1]!));
  });

  it("a correction is stored with a MERGE and approved by id through FLATTEN, exactly as planned", async () => {
    const [, , a3] = w.sandbox.store.list("salesforce", "Account").filter((a) => a.IsDeleted !== true);
    answer = script([planRow(String(a3!.Id), { Billing_Status__c: "overdue" }, null, 1)]);
    const config = configWith([sfCorrection]);
    let from = sent.length;
    const [pending] = await runSyncs({ warehouse: wh, config, credentials: w.credentials, runId: "c1", log });
    expect(pending).toMatchObject({ status: "pending", writeCalls: 0 });
    let run = expectSnowflakeOnly(from);
    const [supersede, save, log1] = writesTo(run, "plans").concat(writesTo(run, "sync_runs").slice(-1));
    expect(supersede!.sql).toMatch(/^UPDATE reverse\.plans SET status = 'superseded'/);
    expect(save!.sql).toMatch(/^MERGE INTO "reverse"\."plans" t[\s\S]*WHEN NOT MATCHED THEN INSERT/);
    expect(save!.sql).not.toMatch(/WHEN MATCHED THEN/);
    expect(save!.binds[0]).toBe(pending!.planId);
    expect(log1!.binds.slice(2, 4)).toEqual(["pending-approval", "pending"]);
    const stored = save!.binds[2] as string;

    // Approval reads the stored plan (VARIANT as text) and runs it; the destination is not re-planned.
    answer = script([], (sql) =>
      /FROM "reverse"\."plans"\s+WHERE "plan_id" IN/.test(sql)
        ? [{ PLAN_ID: pending!.planId, SYNC: "sf_correction", STATUS: "pending" }]
        : /SELECT status, plan FROM reverse\.plans/.test(sql)
          ? [{ STATUS: "pending", PLAN: stored }]
          : undefined,
    );
    from = sent.length;
    const [applied] = await runSyncs({
      warehouse: wh,
      config,
      credentials: w.credentials,
      runId: "c2",
      log,
      approve: [pending!.planId!],
    });
    expect(applied).toMatchObject({ status: "succeeded", mode: "approved", verified: 1 });
    expect(w.sandbox.store.get("salesforce", "Account", String(a3!.Id))!.Billing_Status__c).toBe("overdue");
    run = expectSnowflakeOnly(from);
    // First the check for sync runs left running by a process that is gone, then the plans.
    expect(run[0]!.sql).toMatch(/FROM reverse\.sync_runs WHERE status = 'running'/);
    expect(run[1]!.sql).toMatch(/TABLE\(FLATTEN\(INPUT => PARSE_JSON\(:1\)\)\)/);
    expect(run[1]!.binds).toEqual([JSON.stringify([pending!.planId])]);
    expect(run.some((s) => s.sql.startsWith("WITH src AS"))).toBe(false);
    // Who approved it and when, before anything is written; then applied.
    const [approval, mark] = writesTo(run, "plans");
    expect(approval!.sql).toMatch(
      /^UPDATE "reverse"\."plans" SET "approved_by" = :2, "approved_at" = TO_TIMESTAMP_TZ\(/,
    );
    expect(writesTo(run, "plan_events").map((s) => s.binds)).toEqual([[pending!.planId, "unknown", "c2"]]);
    expect(mark!.sql).toMatch(/"applied_at" = CURRENT_TIMESTAMP\(\)/);
    expect(writesTo(run, "plans")).toHaveLength(2);
    expect(writesTo(run, "audit").map((s) => s.binds[11])).toEqual([pending!.planId]);
  });

  it("mirror: a created record's snapshot is what was sent, a deleted record's state row goes", async () => {
    const gone = w.sandbox.store.list("zendesk", "organizations")[0]!;
    const byExt = (k: string) =>
      w.sandbox.store.list("zendesk", "organizations").find((o) => o.external_id === k);
    answer = script(
      [planRow("org_new", { name: "Mirror New", "organization_fields.billing_status": "active" }, null, 1)],
      (sql) =>
        /FROM "reverse"\."sync_state" st/.test(sql)
          ? [{ RECORD_ID: "org_gone", DESTINATION_ID: String(gone.id), PAYLOAD: '{"name":"Gone Co"}' }]
          : undefined,
    );
    const from = sent.length;
    const [r] = await runSyncs({
      warehouse: wh,
      config: configWith([zdMirror]),
      credentials: w.credentials,
      runId: "z1",
      log,
    });
    expect(r).toMatchObject({ status: "succeeded", created: 1, deleted: 1, verified: 1 });
    expect(byExt("org_new")).toMatchObject({ name: "Mirror New" });
    expect(w.sandbox.store.get("zendesk", "organizations", String(gone.id))).toBeUndefined();

    const run = expectSnowflakeOnly(from);
    const deletions = run.find((s) => /FROM "reverse"\."sync_state" st/.test(s.sql))!;
    expect(deletions.sql).toMatch(/CAST\(m\."key" AS VARCHAR\) = st\."record_id"/);
    const state = writesTo(run, "sync_state");
    expect(state.map((s) => s.sql.split(/\s/)[0])).toEqual(["MERGE", "DELETE"]);
    expect(String(state[0]!.binds[4])).toBe(String(byExt("org_new")!.id));
    expect(state[0]!.binds.slice(5)).toEqual([true, "name", "organization_fields.billing_status"]);
    expect(state[0]!.sql).toContain(`CASE WHEN s."created_by_sync" THEN s."payload"`);
    expect(state[1]!.binds).toEqual(["zd_mirror", "org_gone"]);
    const audit = writesTo(run, "audit");
    expect(audit.map((s) => [s.binds[4], s.binds[5], s.binds[8]])).toEqual([
      ["org_new", "name", "created"],
      ["org_new", "organization_fields.billing_status", "created"],
      ["org_gone", "*", "deleted"],
    ]);
    expect(JSON.parse(audit[2]!.binds[6] as string)).toEqual({ id: String(gone.id), name: "Gone Co" });
  });

  it("--replay marks dead letters by id (no RETURNING) and queues them with a MERGE", async () => {
    answer = (sql) =>
      /FROM "reverse"\."dead_letters"/.test(sql) && sql.startsWith("SELECT")
        ? [
            { ID: "7", RECORD_ID: "r1", PAYLOAD: '{"a":1}', ERROR: "boom" },
            { ID: "9", RECORD_ID: "r2", PAYLOAD: { b: null }, ERROR: "bang" },
          ]
        : undefined;
    const from = sent.length;
    expect(await replayDeadLetters(wh, "sf_update")).toBe(2);
    const run = expectSnowflakeOnly(from);
    expect(run.map((s) => s.sql.split(/\s/)[0])).toEqual([
      "SELECT",
      "BEGIN",
      "UPDATE",
      "MERGE",
      "MERGE",
      "COMMIT",
    ]);
    expect(run[2]!.sql).toMatch(
      /"id" IN \(SELECT f\.value::NUMBER\(38,0\) FROM TABLE\(FLATTEN\(INPUT => PARSE_JSON\(:2\)\)\) f\)/,
    );
    expect(run[2]!.binds).toEqual(["sf_update", '["7","9"]']);
    expect(run[3]!.sql).toMatch(/WHEN MATCHED THEN UPDATE SET t\."attempts" = 0/);
    expect(run.slice(3, 5).map((s) => s.binds)).toEqual([
      ["sf_update", "r1", "replayed: boom", '{"a":1}'],
      ["sf_update", "r2", "replayed: bang", '{"b":null}'],
    ]);
  });

  it("migrates the reverse tables: Postgres's columns in Snowflake types, DDL only", async () => {
    answer = () => undefined;
    const from = sent.length;
    const { applied } = await migrate(wh);
    expect(applied).toContain(3);
    const run = expectSnowflakeOnly(from);
    expect(run.map((s) => s.sql)).toContain(`CREATE SCHEMA IF NOT EXISTS "reverse"`);

    // Postgres migrations 3 and 4 (CREATE TABLE columns, ADD COLUMN) against Snowflake's migration 3.
    const columns = (statements: string[]) => {
      const out = new Map<string, Set<string>>();
      for (const sql of statements) {
        const create = /CREATE TABLE IF NOT EXISTS "?reverse"?\."?(\w+)"? \(([\s\S]*)\)/.exec(sql);
        if (create) {
          const cols = create[2]!
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l && !/^(PRIMARY KEY|\))/.test(l))
            .map((l) => l.replace(/"/g, "").split(/\s+/)[0]!);
          out.set(create[1]!, new Set(cols));
        }
        const add = /ALTER TABLE reverse\.(\w+) ADD COLUMN IF NOT EXISTS (\w+)/.exec(sql);
        if (add) out.get(add[1]!)!.add(add[2]!);
      }
      return out;
    };
    const pg = columns(MIGRATIONS.filter((m) => m.id === 3 || m.id === 4).flatMap((m) => m.sql));
    const sf = columns(SNOWFLAKE_MIGRATIONS.find((m) => m.id === 3)!.sql);
    expect([...sf.keys()].sort()).toEqual(
      ["audit", "dead_letters", "failures", "plans", "sync_runs", "sync_state"].sort(),
    );
    for (const [table, cols] of pg) expect([...sf.get(table)!].sort(), table).toEqual([...cols].sort());
  });
});
