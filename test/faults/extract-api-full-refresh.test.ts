import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";
import { faultEnv, killRepeatedly, runTrueup, runningRuns, schemaChecksums } from "../helpers/faults.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * `trueup extract zendesk --full-refresh` (API streams, the real sandbox) SIGKILLed at 20 seeded
 * random points on a warehouse that holds the streams already. After every kill staging is whole
 * and equal, value for value, to an uninterrupted load (every column but when and by which run a
 * row was written): a refresh is swapped in whole or not at all. A view on
 * staging.zendesk__organizations keeps working (before, the refresh dropped the table and failed
 * on the view); no run is left running.
 */
const KILLS = 20;

describe("extract --full-refresh of API streams, SIGKILLed 20 times", () => {
  let w: SandboxWorld;
  let ref: TestDatabase;
  let t: TestDatabase;
  const staging = (db: TestDatabase) => schemaChecksums(db.warehouse, ["staging"], { skip: /__refresh$/ });

  beforeAll(async () => {
    w = await sandboxWorld(23, 0.1);
    [ref, t] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  }, 120_000);
  afterAll(async () => {
    await ref?.drop();
    await t?.drop();
    await w?.close();
  });

  it("is whole after each kill and equal at the end; views on staging intact", async () => {
    const started = Date.now();
    const first = await runTrueup(["extract", "zendesk"], faultEnv(ref.url, w.sandbox.env));
    const full = Date.now() - started;
    expect(first.code, first.stderr).toBe(0);
    const expected = await staging(ref);
    expect(Object.keys(expected)).toEqual(["staging.zendesk__organizations", "staging.zendesk__tickets"]);

    const env = faultEnv(t.url, w.sandbox.env);
    const load = await runTrueup(["extract", "zendesk"], env);
    expect(load.code, load.stderr).toBe(0);
    expect(await staging(t)).toEqual(expected);
    await t.warehouse.query(
      `CREATE VIEW public.live_orgs AS SELECT id, name FROM staging.zendesk__organizations WHERE NOT coalesce(_trueup_deleted, false)`,
    );
    const viewRows = await t.warehouse.query(`SELECT count(*) AS n FROM public.live_orgs`);

    const plan = { seed: 9_301, from: 1_200, duration: Math.max(2_500, Math.round(full * 1.05)) };
    await killRepeatedly(["extract", "zendesk", "--full-refresh"], env, plan, KILLS, async (at) => {
      expect(await staging(t), at).toEqual(expected);
    });
    const last = await runTrueup(["extract", "zendesk", "--full-refresh"], env);
    expect(last.code, last.stderr).toBe(0);
    expect(await staging(t)).toEqual(expected);
    expect(await t.warehouse.query(`SELECT count(*) AS n FROM public.live_orgs`)).toEqual(viewRows);
    expect(await runningRuns(t.warehouse)).toEqual([]);
  }, 300_000);
});
