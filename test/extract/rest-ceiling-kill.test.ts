import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Position } from "../../extract/rest/incremental.js";
import { readCursor } from "../../load/state.js";
import { faultEnv, runTrueup, seededDelays, tableChecksum } from "../helpers/faults.js";
import { makeItems, startRestApi, type RestApi } from "../helpers/rest-api.js";
import { START, itemsResource, restConfigFile } from "../helpers/rest-styles.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * A search endpoint that serves at most CEILING results a query (HubSpot's search serves 10,000
 * and answers 400 past them), in pages of 10: a pass over ITEMS records searches again from the
 * largest updated_at seen every three pages (`incremental.resultCeiling`). `trueup extract` of it
 * SIGKILLed at seeded random points (a number of pages into the run, or in start-up) until a run
 * finishes by itself. After every kill the saved position is not ahead of the rows in staging;
 * every run after a kill starts at the saved page of the saved window; the interrupted pass asks
 * the very queries and pages an uninterrupted one asks; in the end staging equals the
 * uninterrupted run's, each record once, and so does the saved position.
 */
const CEILING = 30;
const ITEMS = 400;
const SEARCH = "/post_cursor/search";

describe("a search past its result ceiling, SIGKILLed mid-pass, then resumed", () => {
  let api: RestApi;
  let ref: TestDatabase;
  let t: TestDatabase;
  let dir: string;
  let args: string[];
  let searchEnv: Record<string, string>;
  beforeAll(async () => {
    api = await startRestApi({ searchCeiling: CEILING, searchDelayMs: 20 });
    api.items = makeItems(ITEMS);
    [ref, t] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    const items = itemsResource("post_cursor");
    const cfg = restConfigFile("search", {
      items: { ...items, incremental: { ...(items.incremental as object), resultCeiling: CEILING } },
    });
    dir = cfg.dir;
    args = ["extract", "search", "--config", cfg.file];
    searchEnv = cfg.env(api);
  });
  afterAll(async () => {
    await ref?.drop();
    await t?.drop();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = (db: TestDatabase) => faultEnv(db.url, searchEnv);
  const searches = (from = 0, to?: number) => api.log.slice(from, to).filter((e) => e.path === SEARCH);
  const windowOf = (e: { body?: Record<string, unknown> }) =>
    (e.body?.filter as { updated_after: string }).updated_after;
  /** The pages asked for, as "<window> <offset in it>", once each. */
  const pagesAsked = (from = 0, to?: number) =>
    [...new Set(searches(from, to).map((e) => `${windowOf(e)} ${String(e.body?.after ?? 0)}`))].sort();
  const saved = async () => (await readCursor(t.warehouse, "search", "items")) as Position | undefined;

  /** Staged records that are not the API's, and API records the saved position covers that are not staged. */
  async function problems(): Promise<{ strange: string[]; missing: string[] }> {
    const rows = await t.warehouse.query<{ id: string; name: string; updated_at: string }>(
      `SELECT _trueup_payload->>'id' AS id, _trueup_payload->>'name' AS name,
              _trueup_payload->>'updated_at' AS updated_at FROM staging.search__items`,
    );
    const byId = new Map(api.items.map((r) => [r.id, r]));
    const strange = rows.filter((r) => JSON.stringify(byId.get(r.id)) !== JSON.stringify(r)).map((r) => r.id);
    const p = await saved();
    const high = p?.pass ? p.pass.high : p?.value;
    const highKeys = new Set((p?.pass ? p.pass.highKeys : p?.keys) ?? []);
    const staged = new Set(rows.map((r) => r.id));
    const covered = api.items.filter(
      (r) =>
        high !== undefined && (r.updated_at < String(high) || (r.updated_at === high && highKeys.has(r.id))),
    );
    return { strange, missing: covered.filter((r) => !staged.has(r.id)).map((r) => r.id) };
  }

  it("lands every record once, as an uninterrupted run does", async () => {
    const started = Date.now();
    let startup = 0;
    api.afterPage = () => (startup ||= Date.now() - started);
    const whole = await runTrueup(args, env(ref));
    const duration = Date.now() - started;
    expect(whole.code, whole.stderr).toBe(0);
    api.afterPage = undefined;
    // Every three pages a new query, from the largest value seen; none past the ceiling.
    const windows = new Set(searches().map(windowOf));
    expect(windows.size).toBeGreaterThanOrEqual(ITEMS / CEILING);
    expect(searches().filter((e) => e.status !== 200)).toEqual([]);
    const refPages = pagesAsked();
    const killedFrom = api.log.length;
    const expected = await tableChecksum(ref.warehouse, "staging.search__items");
    const finalPosition = await readCursor(ref.warehouse, "search", "items");
    expect(expected).toMatch(new RegExp(`^${ITEMS} rows `));

    // Each run is killed a seeded 0-99 ms after the n-th page it was served (1 to 13, whatever
    // the machine's speed: so the pass gets on) or, for n = 0, at a time in start-up.
    const random = (seed: number) => seededDelays(seed, 40, 0, 1_000_000).map((x) => x / 1_000_000);
    const pageCounts = random(7_919).map((x) => Math.floor(x * 14));
    const offsets = random(104_729).map((x) => Math.floor(x * 100));
    let kills = 0;
    let resumed = 0;
    let narrowedThenKilled = 0;
    for (let run = 0; ; run++) {
      expect(run, "runs to finish the pass").toBeLessThan(pageCounts.length);
      const before = await saved();
      const from = api.log.length;
      const [n, offset] = [pageCounts[run]!, offsets[run]!];
      const inStartup = n === 0 ? Math.max(100, Math.round((startup * offset) / 100)) : undefined;
      let kill = () => {};
      let timer: NodeJS.Timeout | undefined;
      let served = 0;
      api.afterPage = () => void (++served === n && (timer = setTimeout(() => kill(), offset)));
      const r = await runTrueup(args, env(t), inStartup, undefined, (k) => (kill = k));
      clearTimeout(timer);
      api.afterPage = undefined;
      const first = searches(from)[0];
      if (before?.pass && first) {
        // A resumed run asks for the saved page first: same window, same offset in it.
        expect(first.body, `run ${run}`).toEqual(before.pass.next.body);
        resumed++;
      }
      expect(searches(from).filter((e) => e.status !== 200)).toEqual([]);
      if (!r.killed) {
        expect(r.code, r.stderr).toBe(0);
        break;
      }
      kills++;
      // Killed after its last page's commit, on its way out: the pass is complete (the saved
      // position is the uninterrupted run's) and a further run would start the next pass.
      if (JSON.stringify(await saved()) === JSON.stringify(finalPosition)) break;
      // Killed after it had narrowed: the run committed a page of a window it started itself.
      const window = (await saved())?.pass?.window;
      if (window !== undefined && window !== START && window !== before?.pass?.window) narrowedThenKilled++;
      expect(
        await problems(),
        `after run ${run} (killed ${inStartup === undefined ? `${offset} ms after page ${n}` : `${inStartup} ms after the spawn`})`,
      ).toEqual({ strange: [], missing: [] });
    }
    console.log(
      `ceiling kill test: ${kills} kills (${narrowedThenKilled} after the run narrowed its window), ${resumed} resumed runs; an uninterrupted run ${duration} ms`,
    );
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(narrowedThenKilled).toBeGreaterThanOrEqual(1);
    expect(resumed).toBeGreaterThanOrEqual(1);
    // A resumed pass neither skips a page nor asks one the uninterrupted pass did not.
    expect(pagesAsked(killedFrom)).toEqual(refPages);

    const [counts] = await t.warehouse.query<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT _trueup_payload->>'id') AS ids FROM staging.search__items`,
    );
    expect(counts).toEqual({ n: String(ITEMS), ids: String(ITEMS) });
    expect(await tableChecksum(t.warehouse, "staging.search__items")).toBe(expected);
    expect(await saved()).toEqual(await readCursor(ref.warehouse, "search", "items"));
  }, 90_000);
});
