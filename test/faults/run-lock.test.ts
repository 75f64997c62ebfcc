import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunLockBusyError, SharedRunLock, acquireRunLock } from "../../orchestration/run-lock.js";
import { RunRecorder } from "../../orchestration/recorder.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/** The run lock's contract, against a real Postgres: one holder, named to whoever waits; dead holders' runs abandoned. */
describe("run lock", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("refuses a second holder with a message naming the first, and lets it in once released", async () => {
    const first = await acquireRunLock(t.warehouse, { runId: "run_first", command: "extract" });
    const err = await acquireRunLock(t.warehouse, { runId: "run_second", command: "run", waitMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunLockBusyError);
    const message = (err as Error).message;
    expect(message).toContain("run run_first (trueup extract)");
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toMatch(/started \d{4}-\d\d-\d\dT/);
    await first.release();
    const second = await acquireRunLock(t.warehouse, { runId: "run_second", command: "run", waitMs: 0 });
    await second.release();
  });

  it("a waiter is told whom it waits for and gets the lock when the holder releases", async () => {
    const first = await acquireRunLock(t.warehouse, { runId: "run_a", command: "build" });
    const told: (string | undefined)[] = [];
    const started = Date.now();
    const waiting = acquireRunLock(t.warehouse, {
      runId: "run_b",
      command: "reconcile",
      pollMs: 50,
      onWait: (h) => told.push(h?.runId),
    });
    setTimeout(() => void first.release(), 600);
    const second = await waiting;
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(told).toEqual(["run_a"]);
    await second.release();
  });

  it("gives up after waitMs", async () => {
    const first = await acquireRunLock(t.warehouse, { runId: "run_c", command: "sync" });
    const started = Date.now();
    await expect(
      acquireRunLock(t.warehouse, { runId: "run_d", command: "sync", waitMs: 400, pollMs: 50 }),
    ).rejects.toThrow(/Waited 0 s|Waited 1 s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await first.release();
  });

  it("is re-entrant for the same run id within a process", async () => {
    const outer = await acquireRunLock(t.warehouse, { runId: "run_e", command: "run" });
    const inner = await acquireRunLock(t.warehouse, { runId: "run_e", command: "sync", waitMs: 0 });
    await inner.release();
    // Still held by the outer hold:
    await expect(acquireRunLock(t.warehouse, { runId: "run_f", command: "x", waitMs: 0 })).rejects.toThrow(
      RunLockBusyError,
    );
    await outer.release();
    (await acquireRunLock(t.warehouse, { runId: "run_f", command: "x", waitMs: 0 })).release();
  });

  it("marks runs left running without a holder abandoned, with their nodes, and leaves queued runs alone", async () => {
    const dead = new RunRecorder(t.warehouse, "run_dead");
    await dead.start("extract");
    await dead.nodeStarted("stripe.invoices", "extract");
    await t.warehouse.query(
      `UPDATE trueup.runs SET last_seen_at = '2026-11-01T10:00:00Z' WHERE run_id = 'run_dead'`,
    );
    await t.warehouse.query(
      `INSERT INTO trueup.runs (run_id, command, status, plan) VALUES ('run_queued', 'run', 'running', '{}')`,
    );
    const lock = await acquireRunLock(t.warehouse, { runId: "run_next", command: "run" });
    expect(lock.abandoned.map((a) => a.runId)).toEqual(["run_dead"]);
    await lock.release();
    const runs = await t.warehouse.query<{ run_id: string; status: string; error: string | null }>(
      `SELECT run_id, status, error FROM trueup.runs WHERE run_id IN ('run_dead', 'run_queued') ORDER BY run_id`,
    );
    expect(runs.map((r) => [r.run_id, r.status])).toEqual([
      ["run_dead", "abandoned"],
      ["run_queued", "running"],
    ]);
    expect(runs[0]!.error).toContain("last seen 2026-11-01T10:00:00Z");
    const nodes = await t.warehouse.query<{ status: string }>(
      `SELECT status FROM trueup.node_runs WHERE run_id = 'run_dead'`,
    );
    expect(nodes.map((n) => n.status)).toEqual(["abandoned"]);
  });

  it("workers share the lock among themselves, exclude commands, and take queued runs oldest first", async () => {
    await t.warehouse.query(`UPDATE trueup.runs SET status = 'succeeded' WHERE run_id = 'run_queued'`);
    await t.warehouse.query(
      `INSERT INTO trueup.runs (run_id, command, status, plan, started_at) VALUES
         ('run_q1', 'schedule:nightly', 'running', '{}', now() - interval '1 minute'),
         ('run_q2', 'run', 'running', '{}', now())`,
    );
    const workerA = new SharedRunLock(t.warehouse, { pollMs: 20 });
    const workerB = new SharedRunLock(t.warehouse, { pollMs: 20 });
    const a1 = await workerA.acquire("run_q1", "schedule:nightly");
    const b1 = await workerB.acquire("run_q1", "schedule:nightly");
    // A command is refused while any worker holds it, and told which run.
    await expect(acquireRunLock(t.warehouse, { runId: "run_m", command: "run", waitMs: 0 })).rejects.toThrow(
      /run run_q1 \(trueup schedule:nightly\)/,
    );
    let q2In = false;
    const q2 = workerA.acquire("run_q2", "run").then((r) => ((q2In = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(q2In, "a later queued run waits for the earlier one").toBe(false);
    await t.warehouse.query(`UPDATE trueup.runs SET status = 'succeeded' WHERE run_id = 'run_q1'`);
    const a2 = await q2;
    await a1();
    await b1();
    await expect(acquireRunLock(t.warehouse, { runId: "run_m", command: "run", waitMs: 0 })).rejects.toThrow(
      /trueup run/,
    );
    await a2();
    const manual = await acquireRunLock(t.warehouse, { runId: "run_m", command: "run", waitMs: 0 });
    await manual.release();
    await workerA.close();
    await workerB.close();
  }, 20_000);
});
