import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";
import { faultEnv, runTrueup, runningRuns, schemaChecksums, seededDelays } from "../helpers/faults.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Incremental `trueup extract` of API streams (Zendesk and Stripe through the real sandbox),
 * SIGKILLed at seeded random points and resumed, 20 kills in all: each time a run gets to finish,
 * staging equals an uninterrupted reference load value for value (every column but when and by
 * which run a row was written), and no run is left running. When a run finishes, the next kills
 * start over on an empty warehouse, so they land in real work.
 */
const KILLS = 20;
const SOURCES = ["zendesk", "stripe"];

describe("incremental extract of API streams, SIGKILLed 20 times", () => {
  let w: SandboxWorld;
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    return db;
  };
  const staging = (db: TestDatabase) => schemaChecksums(db.warehouse, ["staging"]);

  beforeAll(async () => {
    w = await sandboxWorld(29, 0.05);
  }, 120_000);
  afterAll(async () => {
    for (const d of dbs) await d.drop();
    await w?.close();
  });

  it("resumes to exactly the uninterrupted load", async () => {
    const ref = await fresh();
    const started = Date.now();
    const r = await runTrueup(["extract", ...SOURCES], faultEnv(ref.url, w.sandbox.env));
    const full = Date.now() - started;
    expect(r.code, r.stderr).toBe(0);
    const expected = await staging(ref);
    expect(Object.keys(expected)).toContain("staging.stripe__invoices");

    const plan = seededDelays(7_011, 4 * KILLS, 1_200, Math.max(2_500, full));
    let killed = 0;
    let runs = 0;
    let db = await fresh();
    for (;;) {
      expect(runs, `runs needed to land ${KILLS} kills`).toBeLessThan(plan.length);
      const ms = plan[runs++]!;
      const run = await runTrueup(
        ["extract", ...SOURCES],
        faultEnv(db.url, w.sandbox.env),
        killed < KILLS ? ms : undefined,
      );
      if (run.killed) {
        killed++;
        continue;
      }
      expect(run.code, run.stderr).toBe(0);
      expect(await staging(db), `finished after ${killed} kills`).toEqual(expected);
      expect(await runningRuns(db.warehouse)).toEqual([]);
      if (killed >= KILLS) break;
      db = await fresh();
    }
  }, 300_000);
});
