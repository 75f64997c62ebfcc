import { afterAll, describe, expect, it } from "vitest";
import type { RestSourceConfig } from "../../config/rest-source.js";
import { runExtract } from "../../extract/run-extract.js";
import { extractAll, sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * The example config's HubSpot source, declared in config (no TypeScript), against the HubSpot
 * emulator: every live company and deal lands; a rerun asks search only from where the last run
 * reached; and search's ceiling on results a query (10,000 at HubSpot, 250 here so a small world
 * reaches it; the config's resultCeiling says the same) is passed by searching again from the latest hs_lastmodifieddate seen.
 */
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

type Rec = Record<string, unknown>;
const CEILING = 200;

async function world(faults: "none" | "hostile" = "none"): Promise<{ w: SandboxWorld; t: TestDatabase }> {
  const w = await sandboxWorld(
    11,
    0.3,
    { faults, options: { hubspotSearchCeiling: CEILING } },
    { crm: "hubspot" },
  );
  const hubspot = (w.config.sources as Record<string, RestSourceConfig>).hubspot!;
  hubspot.resources.companies!.incremental!.resultCeiling = CEILING;
  const t = await createTestDatabase();
  cleanup.push(
    () => w.close(),
    () => t.drop(),
  );
  return { w, t };
}

const live = (w: SandboxWorld, object: string) =>
  (w.sandbox.store.list("hubspot", object) as Rec[]).filter((r) => !r.archived);

describe("the declarative HubSpot source", () => {
  it("lands every live company and deal past search's result ceiling; a rerun reads only what changed", async () => {
    const { w, t } = await world();
    const companies = live(w, "companies");
    expect(companies.length).toBeGreaterThan(CEILING);

    await extractAll(t.warehouse, w, "hs-1");
    const landed = await t.warehouse.query<{ id: string; name: string; deals: string }>(
      `SELECT _trueup_payload->>'id' AS id, _trueup_payload->'properties'->>'name' AS name FROM staging.hubspot__companies`,
    );
    expect(new Set(landed.map((r) => r.id))).toEqual(new Set(companies.map((c) => String(c.id))));
    const [deals] = await t.warehouse.query<{ n: string; linked: string }>(
      `SELECT count(*) AS n, count(_trueup_payload->'associations'->'companies'->'results'->0->>'id') AS linked
         FROM staging.hubspot__deals`,
    );
    expect(Number(deals!.n)).toBe(live(w, "deals").length);
    expect(Number(deals!.linked)).toBe(Number(deals!.n));
    const searches = w.sandbox.requestLog.filter((r) => r.system === "hubspot" && r.path.endsWith("/search"));
    // Pages of 100 under a ceiling of 200: a new query every two pages, none refused.
    expect(searches.length).toBeGreaterThanOrEqual(Math.ceil(companies.length / 100));
    expect(searches.filter((r) => r.status === 400)).toEqual([]);

    // An edit in HubSpot: the next run's search starts near the last run's latest value.
    const edited = companies[0]!;
    w.sandbox.store.advance(3_600_000);
    const res = await fetch(`${w.sandbox.urls.hubspot}/__sandbox/hubspot/companies/${String(edited.id)}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ properties: { name: "Renamed in HubSpot" } }),
    });
    expect(res.status, await res.text()).toBe(200);
    const before = w.sandbox.requestLog.length;
    const out = await runExtract({
      warehouse: t.warehouse,
      config: w.config,
      credentials: w.credentials,
      runId: "hs-2",
      log,
      selection: ["hubspot.companies"],
    });
    expect(out.map((o) => o.status)).toEqual(["succeeded"]);
    const again = w.sandbox.requestLog.slice(before).filter((r) => r.path.endsWith("/search"));
    expect(again.length).toBeLessThanOrEqual(2);
    const [row] = await t.warehouse.query<{ name: string }>(
      `SELECT _trueup_payload->'properties'->>'name' AS name FROM staging.hubspot__companies WHERE _trueup_payload->>'id' = $1`,
      [String(edited.id)],
    );
    expect(row!.name).toBe("Renamed in HubSpot");
  }, 600_000);

  it("more records on one hs_lastmodifieddate than a query can serve: the stream fails, naming the resource and the value", async () => {
    // The hostile profile gives over 200 companies one hs_lastmodifieddate (a bulk import).
    const { w, t } = await world("hostile");
    const out = await runExtract({
      warehouse: t.warehouse,
      config: w.config,
      credentials: w.credentials,
      runId: "hs-tie",
      log,
      selection: ["hubspot.companies"],
    });
    expect(out.map((o) => o.status)).toEqual(["failed"]);
    expect(out[0]!.error).toMatch(
      /sources\.hubspot\.resources\.companies: the API serves at most 200 results a query and more than that many records have updatedAt 20\d\d-/,
    );
  }, 600_000);
});
