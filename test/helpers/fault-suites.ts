import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WHEN_COLUMNS, faultEnv, killRepeatedly, runAll, schemaChecksums } from "./faults.js";
import { sandboxWorld, type SandboxWorld } from "./sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "./warehouse.js";

const KILLS = 20;

/**
 * The fault suite of one step that rebuilds derived tables (`trueup build`: canonical;
 * `trueup reconcile`: recon), SIGKILLed at 20 seeded random points on a warehouse where it has
 * run once already. After every kill each table and view of its schema holds what the
 * uninterrupted reference run made, value for value (columns saying when or by which run left out).
 */
export function killStepSuite(step: "build" | "reconcile"): void {
  describe(`${step} SIGKILLed ${KILLS} times`, () => {
    let w: SandboxWorld;
    let ref: TestDatabase;
    let t: TestDatabase;
    let args: string[];
    let duration = 0;
    const schema = step === "build" ? "canonical" : "recon";
    const read = (db: TestDatabase) => schemaChecksums(db.warehouse, [schema], { exclude: WHEN_COLUMNS });

    beforeAll(async () => {
      w = await sandboxWorld(31, 0.05);
      const asOf = (JSON.parse(readFileSync(path.join(w.dir, "world.json"), "utf8")) as { as_of: string })
        .as_of;
      // --full-refresh: every killed run rebuilds every model or evaluates every rule family (a
      // plain run skips those whose inputs did not change, leaving next to nothing to kill).
      args =
        step === "build" ? ["build", "--full-refresh"] : ["reconcile", "--as-of", asOf, "--full-refresh"];
      const before = step === "build" ? [["extract"]] : [["extract"], ["build"]];
      [ref, t] = await Promise.all([createTestDatabase(), createTestDatabase()]);
      // Both warehouses at once: the reference and the one to kill get the same commands.
      const [took] = await Promise.all(
        [ref, t].map((db) => runAll([...before, args], faultEnv(db.url, w.sandbox.env))),
      );
      duration = took!;
    }, 300_000);
    afterAll(async () => {
      await ref?.drop();
      await t?.drop();
      await w?.close();
    });

    it(`every relation whole after each of ${KILLS} kills, equal at the end`, async () => {
      const expected = await read(ref);
      expect(Object.keys(expected)).toContain(step === "build" ? "canonical.customer" : "recon.discrepancy");
      expect(await read(t)).toEqual(expected);
      const env = faultEnv(t.url, w.sandbox.env);
      const plan = {
        seed: step === "build" ? 4_242 : 5_353,
        // After the CLI's start-up (about 0.7 s here): a reconcile run is done about 0.4 s later,
        // so its kills start earlier than a build's.
        from: step === "build" ? 1_200 : 500,
        duration: Math.max(2_500, duration),
      };
      await killRepeatedly(args, env, plan, KILLS, async (at) => {
        expect(await read(t), at).toEqual(expected);
      });
      await runAll([args], env);
      expect(await read(t)).toEqual(expected);
    }, 400_000);
  });
}
