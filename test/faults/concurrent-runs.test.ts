import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";
import { acquireRunLock } from "../../orchestration/run-lock.js";
import { faultEnv, runTrueup, runningRuns } from "../helpers/faults.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Two `trueup run`s started together on one warehouse, against one sandbox, next to two run one
 * after the other on an identical world and warehouse. The pair is serialised by the run lock
 * (the second says whom it waits for, and its run starts after the first ends), so raw holds
 * what the sequential pair landed (not twice as much) and the vendors received the same writes
 * (nothing written twice). `--lock-wait 0` refuses instead, naming the running one.
 * Before the lock: raw doubled for 15 streams, one run failed on a catalog unique violation,
 * and 12 Zendesk organizations were written twice.
 */
describe("two trueup runs at once", () => {
  let sequentialWorld: SandboxWorld;
  let concurrentWorld: SandboxWorld;
  let sequential: TestDatabase;
  let concurrent: TestDatabase;
  let asOf: string;
  const envFor = (w: SandboxWorld, db: TestDatabase) => faultEnv(db.url, w.sandbox.env);
  const rawCounts = async (db: TestDatabase) => {
    const tables = await db.warehouse.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
        WHERE table_schema = 'raw' ORDER BY 1`,
    );
    const out: Record<string, number> = {};
    for (const t of tables)
      out[t.name] = Number(
        (await db.warehouse.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.name}`))[0]!.n,
      );
    return out;
  };
  /** What the vendors were asked to change: every write request, by system, method and path. */
  const writes = (w: SandboxWorld) =>
    w.sandbox.requestLog
      .filter((r) => r.method !== "GET" && !/oauth|token/i.test(r.path))
      .map((r) => `${r.system} ${r.method} ${r.path}`)
      .sort();

  beforeAll(async () => {
    [sequentialWorld, concurrentWorld] = await Promise.all([sandboxWorld(52, 0.05), sandboxWorld(52, 0.05)]);
    asOf = (
      JSON.parse(readFileSync(path.join(sequentialWorld.dir, "world.json"), "utf8")) as { as_of: string }
    ).as_of;
    [sequential, concurrent] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  }, 120_000);
  afterAll(async () => {
    await sequential?.drop();
    await concurrent?.drop();
    await sequentialWorld?.close();
    await concurrentWorld?.close();
  });

  it("serialises them: raw not doubled, nothing written twice, the waiter told whom it waits for", async () => {
    const args = ["run", "--as-of", asOf];
    const env = envFor(concurrentWorld, concurrent);
    // The sequential pair (its own world and warehouse) runs beside the concurrent one.
    const sequentialPair = (async () => {
      for (let i = 0; i < 2; i++) {
        const r = await runTrueup(args, envFor(sequentialWorld, sequential));
        expect(r.code, r.stderr).toBe(0);
      }
    })();
    const [a, b] = await Promise.all([runTrueup(args, env), runTrueup(args, env), sequentialPair]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);

    const runs = await concurrent.warehouse.query<{ run_id: string; started_at: Date; finished_at: Date }>(
      `SELECT run_id, started_at, finished_at FROM trueup.runs WHERE command = 'run' ORDER BY started_at`,
    );
    expect(runs).toHaveLength(2);
    expect(runs[1]!.started_at.getTime()).toBeGreaterThanOrEqual(runs[0]!.finished_at.getTime());
    const waiter = [a, b].find((r) => r.stderr.includes("waiting for run"));
    expect(waiter?.stderr).toContain(`waiting for run ${runs[0]!.run_id} (trueup run)`);
    expect(waiter?.stderr).toMatch(/pid \d+, started \d{4}-/);

    expect(await rawCounts(concurrent)).toEqual(await rawCounts(sequential));
    expect(writes(concurrentWorld)).toEqual(writes(sequentialWorld));
    expect(await runningRuns(concurrent.warehouse)).toEqual([]);
  }, 600_000);

  it("--lock-wait refuses (exit 1) naming the running one; without it a command waits, then runs", async () => {
    const env = envFor(concurrentWorld, concurrent);
    const holder = await acquireRunLock(concurrent.warehouse, { runId: "run_held_by_test", command: "run" });
    try {
      const refused = await runTrueup(["extract", "--lock-wait", "0"], env);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toContain(
        "another trueup run is writing to this warehouse: run run_held_by_test (trueup run)",
      );
      expect(refused.stderr).toMatch(/pid \d+, started \d{4}-\d\d-\d\dT/);
      const patient = await runTrueup(["extract", "--lock-wait", "1"], env);
      expect(patient.code).toBe(1);
      expect(patient.stderr).toMatch(/Waited \d+ s/);
      let told!: () => void;
      const waitingSaid = new Promise<void>((resolve) => (told = resolve));
      const waiting = runTrueup(["extract", "zendesk"], env, undefined, (text) => {
        if (text.includes("waiting for run")) told();
      });
      await Promise.race([waitingSaid, waiting]);
      await holder.release();
      const waited = await waiting;
      expect(waited.code, waited.stderr).toBe(0);
      expect(waited.stderr).toContain("waiting for run run_held_by_test (trueup run)");
    } finally {
      await holder.release();
    }
  }, 300_000);
});
