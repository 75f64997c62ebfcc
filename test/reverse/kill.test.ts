import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSandbox } from "../../sandbox/emulators/server.js";
import { REPO_ROOT } from "../helpers/cli.js";
import {
  deliveredAudit,
  landedChanges,
  snapshotRecords,
  threeModes,
  valueAt,
} from "../helpers/reverse-audit.js";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

type Row = Record<string, unknown>;

/**
 * `trueup sync` (the real CLI, against the real sandbox and a test database) killed with SIGKILL
 * at seeded random points, at least 20 times, while its models change from run to run, then
 * finished by an uninterrupted run. Compared with a reference world that got the final models in
 * one uninterrupted run: the destination holds the same values; every change that landed has
 * exactly one audit row saying it was delivered (verified, created, or found delivered by a later
 * run); no write was repeated; no sync run is left `running`. Three modes: update (Salesforce
 * Account by Id), upsert (Salesforce Account by an external key) and mirror (Zendesk
 * organizations by external_id, deleting what it created).
 */
const BIN = path.join(REPO_ROOT, "bin/trueup.js");
const STATUSES = ["current", "overdue", "churned", "no_billing"];
const ACCOUNTS = 500;

// Runs killed before they plan leave their rounds' changes to the next run, which may then change
// more than the default share at once (the breaker's own tests: test/reverse/modes.test.ts).
const { syncs: SYNCS, config: CONFIG, tables: TABLES } = threeModes("k", { all: { maxChangeShare: 1 } });

/** Deterministic delays (a seeded LCG), so a failure reproduces. */
function delays(seed: number, n: number, min: number, max: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return min + (x % (max - min));
  });
}

function padAccounts(sandbox: RunningSandbox): void {
  const accounts = [...sandbox.store.list("salesforce", "Account")];
  const base = accounts[0]!;
  for (let i = accounts.length; i < ACCOUNTS; i++)
    accounts.push({ ...base, Id: `001SYN${String(i).padStart(12, "0")}`, Name: `Synthetic ${i}` });
  sandbox.store.setTable("salesforce", "Account", accounts);
}

/**
 * One `trueup sync`. `kill`: SIGKILL that many ms after its first vendor request reached the
 * sandbox (`afterWork`), or after spawning (`afterStart`, a point in start-up).
 */
function sync(
  env: NodeJS.ProcessEnv,
  sandbox?: RunningSandbox,
  kill?: { afterWork: number } | { afterStart: number },
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "--config", env.TRUEUP_TEST_CONFIG!, "sync"], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timers: NodeJS.Timeout[] = [];
    const killNow = () => child.kill("SIGKILL");
    if (kill && "afterStart" in kill) timers.push(setTimeout(killNow, kill.afterStart));
    if (kill && "afterWork" in kill && sandbox) {
      const from = sandbox.requestLog.length;
      const poll = setInterval(() => {
        if (sandbox.requestLog.length === from) return;
        clearInterval(poll);
        timers.push(setTimeout(killNow, kill.afterWork));
      }, 5);
      timers.push(poll);
    }
    child.on("error", reject);
    child.on("close", (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code: signal === "SIGKILL" ? null : code, stderr });
    });
  });
}

interface Side {
  w: SandboxWorld;
  t: TestDatabase;
  env: NodeJS.ProcessEnv;
  initial: Map<string, Row>;
}

async function side(dir: string, seed: number): Promise<Side> {
  const w = await sandboxWorld(seed, 0.1);
  padAccounts(w.sandbox);
  const t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS canonical`);
  for (const sql of TABLES) await t.warehouse.query(sql);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...w.sandbox.env,
    WAREHOUSE_URL: t.url,
    TRUEUP_LOG_LEVEL: "error",
    TRUEUP_TEST_CONFIG: path.join(dir, "trueup.config.ts"),
  };
  delete env.ORCHESTRATOR_DATABASE_URL;
  return { w, t, env, initial: snapshotRecords(w.sandbox, SYNCS) };
}

/** Round r of the models: a twentieth of the accounts change, ten keyed accounts and five orgs come, older orgs go. */
async function applyRound(t: TestDatabase, ids: string[], r: number): Promise<void> {
  if (r === 0) {
    await t.warehouse.query(
      `INSERT INTO canonical.k_accounts SELECT id, $2, (ord * 7) % 100 FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord)`,
      [ids, STATUSES[0]],
    );
  } else {
    await t.warehouse.query(
      `UPDATE canonical.k_accounts a SET billing_status = $2, health_score = (a.health_score + $3) % 100
         FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord) WHERE u.id = a.id AND u.ord % 20 = $3 % 20`,
      [ids, STATUSES[r % STATUSES.length], r],
    );
  }
  await t.warehouse.query(
    `INSERT INTO canonical.k_keyed SELECT 'key_' || $1 || '_' || j, 'Keyed ' || $1 || '/' || j, $2 FROM generate_series(1, 10) j`,
    [r, STATUSES[(r + 1) % STATUSES.length]],
  );
  await t.warehouse.query(`UPDATE canonical.k_keyed SET name = name || '+' WHERE key LIKE $1`, [
    `key_${Math.max(0, r - 2)}\\_%`,
  ]);
  await t.warehouse.query(
    `INSERT INTO canonical.k_orgs SELECT 'org_' || $1 || '_' || j, 'Org ' || $1 || '/' || j, $2 FROM generate_series(1, 5) j`,
    [r, STATUSES[(r + 2) % STATUSES.length]],
  );
  if (r >= 3) await t.warehouse.query(`DELETE FROM canonical.k_orgs WHERE key LIKE $1`, [`org_${r - 3}\\_%`]);
}

/** What the destination holds of the syncs' records, keyed as the syncs key them. */
function destinationState(s: Side): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const u of SYNCS)
    for (const rec of s.w.sandbox.store.list(u.system, u.object)) {
      if (rec.IsDeleted === true) continue;
      const id = u.recordId(rec);
      if (id === undefined) continue;
      const k = `${u.name}|${id}`;
      if (k in out) out[`${k}#duplicate`] = true;
      out[k] = u.fields.map((f) => valueAt(rec, f) ?? null);
    }
  return out;
}

async function writeRequests(s: Side): Promise<number> {
  const res = await fetch(`${s.w.sandbox.urls.salesforce}/__sandbox/requests`);
  const log = (await res.json()) as { method: string; path: string }[];
  return log.filter((r) => r.method !== "GET" && !r.path.includes("/query")).length;
}

describe("trueup sync killed with SIGKILL at least 20 times, then finished", () => {
  let dir: string;
  let killed: Side;
  let ref: Side;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "trueup-kill-"));
    writeFileSync(path.join(dir, "trueup.config.ts"), `export const config = ${JSON.stringify(CONFIG)};\n`);
    killed = await side(dir, 61);
    ref = await side(dir, 61);
  });
  afterAll(async () => {
    for (const s of [killed, ref]) {
      await s?.t.drop();
      await s?.w.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "ends as an uninterrupted run would, with one delivered audit row per landed change",
    { timeout: 900_000 },
    async () => {
      const ids = killed.w.sandbox.store
        .list("salesforce", "Account")
        .filter((a) => a.IsDeleted !== true)
        .map((a) => String(a.Id))
        .sort();
      // The first delivery, then one uninterrupted round to time a run; kills then land anywhere
      // from late start-up (most of a run on this machine) to the end of the work.
      await applyRound(killed.t, ids, 0);
      const first = await sync(killed.env);
      expect(first.code, first.stderr).toBe(0);
      await applyRound(killed.t, ids, 1);
      // That run's vendor requests time its work; kills land at seeded random points of it,
      // counted from the run's first vendor request (start-up time varies too much on a busy
      // machine to aim from the spawn), one run in five at a random point of start-up.
      const t0 = Date.now();
      const logFrom = killed.w.sandbox.requestLog.length;
      const second = await sync(killed.env);
      expect(second.code, second.stderr).toBe(0);
      const span = Date.now() - t0;
      const times = killed.w.sandbox.requestLog.slice(logFrom).map((e) => Date.parse(e.time) - t0);
      const work = Math.max(...times) - Math.min(...times) + 200;
      const plan = delays(20261201, 80, 0, work);
      const startups = delays(7, 80, 500, Math.max(600, Math.min(...times)));
      let kills = 0;
      let runs = 1;
      while (kills < 20) {
        runs++;
        expect(runs, "runs needed to land 20 kills").toBeLessThanOrEqual(45);
        await applyRound(killed.t, ids, runs);
        const started = Date.now();
        const kill = runs % 5 === 0 ? { afterStart: startups[runs]! } : { afterWork: plan[runs]! };
        const r = await sync(killed.env, killed.w.sandbox, kill);
        if (process.env.TRUEUP_TEST_TRACE)
          console.log(
            `run ${runs}: ${JSON.stringify(kill)}, ${r.code === null ? "killed" : `exit ${r.code}`} after ${Date.now() - started} ms`,
          );
        if (r.code === null) kills++;
        else expect(r.code, r.stderr).toBe(0);
      }
      // The reference: the same final models, delivered by one uninterrupted run (beside the
      // killed world's finishing run).
      for (const table of ["k_accounts", "k_keyed", "k_orgs"]) {
        const rows = await killed.t.warehouse.query<Row>(`SELECT * FROM canonical.${table}`);
        await ref.t.warehouse.query(
          `INSERT INTO canonical.${table} SELECT * FROM json_populate_recordset(NULL::canonical.${table}, $1)`,
          [JSON.stringify(rows)],
        );
      }
      const [last, refRun] = await Promise.all([sync(killed.env), sync(ref.env)]);
      expect(last.code, last.stderr).toBe(0);
      expect(refRun.code, refRun.stderr).toBe(0);

      // Destination values equal (no duplicate created by a retried upsert or mirror create).
      const got = destinationState(killed);
      const want = destinationState(ref);
      expect(Object.keys(got).filter((k) => k.endsWith("#duplicate"))).toEqual([]);
      expect(got).toEqual(want);

      // Each landed change has exactly one audit row saying delivered; each deletion one saying deleted.
      const changes = landedChanges(killed.w.sandbox, SYNCS, killed.initial);
      const audit = await deliveredAudit(killed.t.warehouse);
      expect(changes.landed.length).toBeGreaterThan(500);
      expect(audit.delivered).toEqual(changes.landed);
      expect(audit.deleted).toEqual(changes.deleted);
      expect(changes.deleted.length).toBeGreaterThan(0);
      const found = audit.rows.filter((r) => r.status === "found_delivered");
      expect(found.every((r) => r.sent_run_id && r.sent_run_id !== r.run_id)).toBe(true);
      // Nothing written twice: no write that changed none of the sync's fields.
      expect(changes.noOps).toEqual([]);
      const refChanges = landedChanges(ref.w.sandbox, SYNCS, ref.initial);
      expect((await deliveredAudit(ref.t.warehouse)).delivered).toEqual(refChanges.landed);

      // Every killed run's row is marked abandoned by a later run; none is left running.
      const runRows = await killed.t.warehouse.query<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM reverse.sync_runs GROUP BY status ORDER BY status`,
      );
      const byStatus = Object.fromEntries(runRows.map((r) => [r.status, Number(r.n)]));
      expect(byStatus.running ?? 0).toBe(0);
      expect(byStatus.abandoned ?? 0).toBeGreaterThan(0);
      expect(byStatus.blocked ?? 0).toBe(0);
      const [{ n: intentsLeft }] = (await killed.t.warehouse.query<{ n: string }>(
        `SELECT count(*) AS n FROM reverse.intents WHERE sent_at IS NOT NULL`,
      )) as [{ n: string }];
      expect(Number(intentsLeft)).toBe(0);
      console.log(
        `sync SIGKILL test: ${kills} kills in ${runs} runs (a run ${span} ms, its work ${work} ms); ${changes.landed.length} landed changes, ` +
          `${found.length} found delivered, ${changes.deleted.length} deletions; ${await writeRequests(killed)} write requests ` +
          `(reference ${await writeRequests(ref)}); sync runs ${JSON.stringify(byStatus)}`,
      );
    },
  );
});
