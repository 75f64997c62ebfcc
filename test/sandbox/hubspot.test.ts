import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorOptions } from "../../sandbox/emulators/context.js";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { generateWorld } from "../../sandbox/world/generate.js";

/**
 * The HubSpot emulator through HubSpot's official Node client (@hubspot/api-client), unchanged,
 * over a `--crm hubspot` world; and that world against the Salesforce world of the same seed.
 */
type Rec = Record<string, unknown>;
const SEED = 11;
const SCALE = 0.2;
let root: string;
let hsDir: string;
let sfDir: string;
let sb: RunningSandbox;
const read = (dir: string, f: string) =>
  readFileSync(path.join(dir, f), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);
const props = (r: Rec) => r.properties as Record<string, string | null>;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "trueup-hs-"));
  hsDir = path.join(root, "hubspot");
  sfDir = path.join(root, "salesforce");
  await generateWorld({ seed: SEED, scale: SCALE, out: hsDir, crm: "hubspot" });
  await generateWorld({ seed: SEED, scale: SCALE, out: sfDir });
  // Search unthrottled here: its per-second limit has a sandbox of its own below.
  sb = await startSandbox({ worldDir: hsDir, port: 0, options: { hubspotSearchRequestsPerSecond: 0 } });
});
afterAll(async () => {
  await sb?.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A client as an integration builds one. The client applies its retry decorator through a
 * process-wide singleton when an API object is first used, so each test builds its own.
 */
function hubspot(s: RunningSandbox, opts: { accessToken?: string; numberOfApiCallRetries?: number } = {}) {
  return new Client({
    accessToken: opts.accessToken ?? s.env.HUBSPOT_ACCESS_TOKEN,
    basePath: s.urls.hubspot,
    numberOfApiCallRetries: opts.numberOfApiCallRetries ?? 0,
  });
}

/** The client's errors: an ApiException with the HTTP code and the parsed body. */
async function failure(p: Promise<unknown>): Promise<{ code: number; body: Rec }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: Rec };
    return { code: e.code ?? -1, body: e.body ?? {} };
  }
  throw new Error("expected the call to fail");
}

const searchBody = (propertyName: string, value: string, after?: string) => ({
  filterGroups: [{ filters: [{ propertyName, operator: "GTE", value }] }],
  sorts: [{ propertyName, direction: "ASCENDING" }],
  properties: ["dealname", propertyName],
  limit: 50,
  ...(after ? { after } : {}),
});

describe("HubSpot CRM v3 (official @hubspot/api-client)", () => {
  it("getAll pages through exactly the world's companies and deals, archived ones apart", async () => {
    const client = hubspot(sb);
    const companies = read(hsDir, "hubspot/companies.jsonl");
    const deals = read(hsDir, "hubspot/deals.jsonl");
    const live = companies.filter((c) => !c.archived);
    expect(live.length).toBeGreaterThan(100); // more than one page of 100
    expect(live.length).toBeLessThan(companies.length); // and some archived

    sb.requestLog.length = 0;
    const got = await client.crm.companies.getAll(100, undefined, ["name", "domain", "trueup_arr"]);
    expect(got.map((c) => c.id)).toEqual(live.map((c) => String(c.id)));
    for (const [i, c] of got.entries()) {
      const want = props(live[i]!);
      expect(c.properties.name).toBe(want.name);
      expect(c.properties.domain).toBe(want.domain);
      expect(c.properties.trueup_arr).toBeNull(); // defined in the portal, unset
      expect(c.properties.hs_lastmodifieddate).toBe(want.hs_lastmodifieddate); // always returned
      expect(c.updatedAt.toISOString()).toBe(live[i]!.updatedAt);
      expect(c.archived).toBe(false);
    }
    const pages = sb.requestLog.filter((r) => r.path === "/crm/v3/objects/companies");
    expect(pages.length).toBe(Math.ceil(live.length / 100));
    expect(pages.slice(1).every((p) => typeof p.query.after === "string")).toBe(true);

    const archived = await client.crm.companies.getAll(100, undefined, undefined, undefined, undefined, true);
    expect(archived.map((c) => c.id)).toEqual(companies.filter((c) => c.archived).map((c) => String(c.id)));

    const gotDeals = await client.crm.deals.getAll(100, undefined, undefined, undefined, ["companies"]);
    const liveDeals = deals.filter((d) => !d.archived);
    expect(liveDeals.length).toBeGreaterThan(200);
    expect(gotDeals.map((d) => d.id)).toEqual(liveDeals.map((d) => String(d.id)));
    for (const [i, d] of gotDeals.entries()) {
      const want = liveDeals[i]!;
      expect(d.properties.amount).toBe(props(want).amount);
      expect(d.properties.dealstage).toBe(props(want).dealstage);
      const assoc = want.associations as { companies: { results: { id: string }[] } };
      expect(d.associations?.companies?.results.map((a) => a.id)).toEqual(
        assoc.companies.results.map((a) => a.id),
      );
    }
  });

  it("search on hs_lastmodifieddate >= a cut, sorted ascending, pages through exactly the matches", async () => {
    const client = hubspot(sb);
    // A user edits an old deal: its hs_lastmodifieddate becomes the newest, out of id order.
    const edited = String(read(hsDir, "hubspot/deals.jsonl")[3]!.id);
    const patched = await fetch(`${sb.urls.hubspot}/__sandbox/hubspot/deals/${edited}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ properties: { dealname: "Edited by a user" } }),
    });
    expect(patched.status).toBe(200);
    const deals = sb.store.list("hubspot", "deals").filter((d) => !d.archived);
    const times = deals.map((d) => props(d).hs_lastmodifieddate!).sort();
    const cut = times[Math.floor(times.length / 3)]!;
    const want = deals
      .filter((d) => props(d).hs_lastmodifieddate! >= cut)
      .sort((a, b) =>
        props(a).hs_lastmodifieddate === props(b).hs_lastmodifieddate
          ? Number(a.id) - Number(b.id)
          : props(a).hs_lastmodifieddate! < props(b).hs_lastmodifieddate!
            ? -1
            : 1,
      );
    expect(want.length).toBeGreaterThan(100);
    expect(want.length).toBeLessThan(deals.length);
    expect(String(want.at(-1)!.id)).toBe(edited);

    // The cut as ISO 8601 and as epoch milliseconds: HubSpot takes both for a datetime.
    for (const value of [cut, String(Date.parse(cut))]) {
      const got: { id: string; modified: string }[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await client.crm.deals.searchApi.doSearch(
          searchBody("hs_lastmodifieddate", value, after) as never,
        );
        pages++;
        expect(page.total).toBe(want.length);
        for (const r of page.results)
          got.push({ id: r.id, modified: String(r.properties.hs_lastmodifieddate) });
        after = page.paging?.next?.after;
      } while (after);
      expect(pages).toBe(Math.ceil(want.length / 50));
      expect(got.map((g) => g.id)).toEqual(want.map((d) => String(d.id)));
      expect(got.every((g, i) => i === 0 || got[i - 1]!.modified <= g.modified)).toBe(true);
      expect(got.every((g) => g.modified >= cut)).toBe(true);
    }

    // Descending: the newest first.
    const desc = await client.crm.deals.searchApi.doSearch({
      ...searchBody("hs_lastmodifieddate", cut),
      sorts: [{ propertyName: "hs_lastmodifieddate", direction: "DESCENDING" }],
      limit: 200,
    } as never);
    expect(desc.results[0]!.id).toBe(edited);
    const descTimes = desc.results.map((r) => String(r.properties.hs_lastmodifieddate));
    expect(descTimes).toEqual([...descTimes].sort().reverse());

    // No page past the 10,000th result, whatever the filters.
    const past = await failure(
      client.crm.deals.searchApi.doSearch({
        ...searchBody("hs_lastmodifieddate", cut),
        after: "10000",
      } as never),
    );
    expect(past.code).toBe(400);
    expect(past.body.category).toBe("VALIDATION_ERROR");
    const big = await failure(
      client.crm.deals.searchApi.doSearch({ ...searchBody("hs_lastmodifieddate", cut), limit: 201 } as never),
    );
    expect(big.code).toBe(400);
  });

  it("batch update writes properties; a later read and search see them and hs_lastmodifieddate moves", async () => {
    const client = hubspot(sb);
    const companies = read(hsDir, "hubspot/companies.jsonl").filter((c) => !c.archived);
    const targets = companies.slice(5, 8);
    const before = new Date(sb.store.now().getTime() - 1000).toISOString();
    const res = await client.crm.companies.batchApi.update({
      inputs: targets.map((c, i) => ({
        id: String(c.id),
        properties: { trueup_billing_status: "overdue", trueup_arr: String(1000 * (i + 1)) },
      })),
    });
    expect(res.status).toBe("COMPLETE");
    expect(res.results.map((r) => r.id).sort()).toEqual(targets.map((c) => String(c.id)).sort());
    expect(res.results.every((r) => r.properties.trueup_billing_status === "overdue")).toBe(true);

    for (const [i, c] of targets.entries()) {
      const read1 = await client.crm.companies.basicApi.getById(String(c.id), [
        "trueup_billing_status",
        "trueup_arr",
        "name",
      ]);
      expect(read1.properties.trueup_billing_status).toBe("overdue");
      expect(read1.properties.trueup_arr).toBe(String(1000 * (i + 1)));
      expect(read1.properties.name).toBe(props(c).name); // untouched
      expect(read1.properties.hs_lastmodifieddate! > props(c).hs_lastmodifieddate!).toBe(true);
      expect(read1.properties.hs_lastmodifieddate! >= before).toBe(true);
      expect(read1.updatedAt.toISOString()).toBe(read1.properties.hs_lastmodifieddate);
    }
    // An incremental read by hs_lastmodifieddate finds exactly what was written.
    const changed = await client.crm.companies.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: "hs_lastmodifieddate", operator: "GTE", value: before }] }],
      limit: 100,
    } as never);
    expect(changed.results.map((r) => r.id).sort()).toEqual(targets.map((c) => String(c.id)).sort());

    // An unknown property fails the whole batch with HubSpot's validation error; nothing is written.
    const bad = await failure(
      client.crm.companies.batchApi.update({
        inputs: [
          { id: String(companies[9]!.id), properties: { trueup_arr: "1" } },
          { id: String(companies[10]!.id), properties: { no_such_property: "x" } },
        ],
      }),
    );
    expect(bad.code).toBe(400);
    expect(bad.body.category).toBe("VALIDATION_ERROR");
    expect(String(bad.body.message)).toContain("no_such_property");
    const untouched = await client.crm.companies.basicApi.getById(String(companies[9]!.id), ["trueup_arr"]);
    expect(untouched.properties.trueup_arr).toBeNull();
  });

  it("a wrong or missing token is a 401 in HubSpot's shape", async () => {
    const bad = await failure(
      hubspot(sb, {
        accessToken: "pat-na1-00000000-0000-4000-8000-000000000bad",
      }).crm.companies.basicApi.getPage(),
    );
    expect(bad.code).toBe(401);
    expect(bad.body).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION" });
    expect(String(bad.body.message)).toMatch(/^Authentication credentials not found/);
    expect(String(bad.body.correlationId)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const none = await fetch(`${sb.urls.hubspot}/crm/v3/objects/deals`);
    expect(none.status).toBe(401);
  });
});

describe("HubSpot rate limits", () => {
  const started: RunningSandbox[] = [];
  const limited = async (options: Partial<EmulatorOptions>) => {
    const s = await startSandbox({ worldDir: hsDir, port: 0, options });
    started.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });
  const get = (s: RunningSandbox, token = s.env.HUBSPOT_ACCESS_TOKEN) =>
    fetch(`${s.urls.hubspot}/crm/v3/objects/companies?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const advance = (s: RunningSandbox, seconds: number) =>
    fetch(`${s.urls.hubspot}/__sandbox/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advance_seconds: seconds }),
    });

  it("the rolling ten seconds: X-HubSpot-RateLimit-* headers, then 429 TEN_SECONDLY_ROLLING, free again after the window", async () => {
    const s = await limited({ hubspotRequestsPerTenSeconds: 3, hubspotDailyRequests: 0 });
    for (const remaining of [2, 1, 0]) {
      const res = await get(s);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-hubspot-ratelimit-max")).toBe("3");
      expect(res.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
      expect(res.headers.get("x-hubspot-ratelimit-remaining")).toBe(String(remaining));
    }
    const res = await get(s);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeNull(); // HubSpot sends none: the body names the policy
    const body = (await res.json()) as Rec;
    expect(Object.keys(body).sort()).toEqual(
      ["correlationId", "errorType", "groupName", "message", "policyName", "status"].sort(),
    );
    expect(body).toMatchObject({
      status: "error",
      message: "You have reached your ten_secondly_rolling limit.",
      errorType: "RATE_LIMIT",
      policyName: "TEN_SECONDLY_ROLLING",
    });
    expect(String(body.correlationId)).toMatch(/^[0-9a-f-]{36}$/);

    // Through the client without retries: the ApiException carries the policy as HubSpot's body does.
    const sdk = await failure(hubspot(s).crm.companies.basicApi.getPage(1));
    expect(sdk.code).toBe(429);
    expect(sdk.body.policyName).toBe("TEN_SECONDLY_ROLLING");

    // Ten seconds later (the emulated clock moved on) a plain call goes through.
    await advance(s, 10);
    const page = await hubspot(s).crm.companies.basicApi.getPage(1);
    expect(page.results).toHaveLength(1);
  });

  it("search's own per-second limit: 429 SECONDLY, which the client's retry waits out", async () => {
    const s = await limited({ hubspotSearchRequestsPerSecond: 2 });
    const body = { filterGroups: [], limit: 1 } as never;
    const plain = hubspot(s).crm.companies.searchApi;
    // Serial, and within a second: the third is refused with the message the client retries on.
    expect((await plain.doSearch(body)).total).toBeGreaterThan(0);
    await plain.doSearch(body);
    const third = await failure(plain.doSearch(body));
    expect(third.code).toBe(429);
    expect(third.body).toMatchObject({
      status: "error",
      message: "You have reached your secondly limit.",
      errorType: "RATE_LIMIT",
      policyName: "SECONDLY",
    });

    await new Promise((r) => setTimeout(r, 1100));
    const retrying = hubspot(s, { numberOfApiCallRetries: 2 }).crm.companies.searchApi;
    s.requestLog.length = 0;
    const t0 = Date.now();
    const all = await Promise.all([
      retrying.doSearch(body),
      retrying.doSearch(body),
      retrying.doSearch(body),
    ]);
    expect(all.every((r) => r.results.length === 1)).toBe(true);
    const statuses = s.requestLog.map((r) => r.status);
    expect(statuses.filter((x) => x === 429)).toHaveLength(1);
    expect(statuses.filter((x) => x === 200)).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000); // the client waited a second to retry
  });

  it("the daily quota: X-HubSpot-RateLimit-Daily(-Remaining), search counted, 429 DAILY until the next day", async () => {
    const s = await limited({ hubspotDailyRequests: 3, hubspotSearchRequestsPerSecond: 0 });
    // Move to the start of a day, so that the next day is a known distance away.
    const now = s.store.now().getTime();
    await advance(s, (86_400_000 - (now % 86_400_000)) / 1000 + 60);
    const first = await get(s);
    expect(first.headers.get("x-hubspot-ratelimit-daily")).toBe("3");
    expect(first.headers.get("x-hubspot-ratelimit-daily-remaining")).toBe("2");
    await hubspot(s).crm.companies.searchApi.doSearch({ filterGroups: [], limit: 1 } as never);
    expect((await get(s)).headers.get("x-hubspot-ratelimit-daily-remaining")).toBe("0");
    const spent = await get(s);
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as Rec).policyName).toBe("DAILY");
    await advance(s, 86_400);
    expect((await get(s)).status).toBe(200);
  });
});

describe("the --crm hubspot world", () => {
  it("has the Salesforce world's customers: account i is company i, opportunity i is deal i", () => {
    const accounts = read(sfDir, "salesforce/Account.jsonl");
    const opportunities = read(sfDir, "salesforce/Opportunity.jsonl");
    const companies = read(hsDir, "hubspot/companies.jsonl");
    const deals = read(hsDir, "hubspot/deals.jsonl");
    expect(companies).toHaveLength(accounts.length);
    expect(deals).toHaveLength(opportunities.length);
    expect(companies.map((c) => props(c).name)).toEqual(accounts.map((a) => a.Name));
    expect(companies.map((c) => c.archived)).toEqual(accounts.map((a) => Boolean(a.IsDeleted)));
    expect(deals.map((d) => props(d).amount)).toEqual(opportunities.map((o) => String(o.Amount)));
    expect(new Set(companies.map((c) => c.id)).size).toBe(companies.length);
    // Every value a string or null, as the v3 API returns properties.
    for (const r of [...companies, ...deals])
      for (const v of Object.values(props(r))) expect(v === null || typeof v === "string").toBe(true);
    const companyOf = new Map(accounts.map((a, i) => [String(a.Id), String(companies[i]!.id)]));
    for (const [i, o] of opportunities.entries()) {
      const assoc = deals[i]!.associations as { companies: { results: { id: string }[] } };
      expect(assoc.companies.results.map((a) => a.id)).toEqual([companyOf.get(String(o.AccountId))]);
    }
  });

  it("truth.json links and keys, Stripe metadata, NetSuite, Zendesk and ERP ids are HubSpot ids", () => {
    const accounts = read(sfDir, "salesforce/Account.jsonl");
    const opportunities = read(sfDir, "salesforce/Opportunity.jsonl");
    const companies = read(hsDir, "hubspot/companies.jsonl");
    const deals = read(hsDir, "hubspot/deals.jsonl");
    const toHs = new Map<string, string>([
      ...accounts.map((a, i) => [String(a.Id), String(companies[i]!.id)] as [string, string]),
      ...opportunities.map((o, i) => [String(o.Id), String(deals[i]!.id)] as [string, string]),
    ]);
    const companyIds = new Set(companies.map((c) => String(c.id)));
    const dealIds = new Set(deals.map((d) => String(d.id)));

    type Truth = { links: Record<string, string>[]; discrepancies: { category: string; key: string }[] };
    const truthOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, "truth.json"), "utf8")) as Truth;
    const hs = truthOf(hsDir);
    const sf = truthOf(sfDir);
    expect(hs.links.length).toBe(sf.links.length);
    expect(hs.links.length).toBeGreaterThan(100);
    for (const [i, link] of hs.links.entries()) {
      const { salesforce, ...rest } = sf.links[i]!;
      expect(link).not.toHaveProperty("salesforce");
      expect(link).toEqual({ ...rest, ...(salesforce ? { hubspot: toHs.get(salesforce) } : {}) });
      if (link.hubspot) expect(companyIds.has(link.hubspot)).toBe(true);
    }
    expect(hs.links.filter((l) => l.hubspot).length).toBeGreaterThan(100);
    // Discrepancy keys name HubSpot records where Salesforce's named Salesforce ones.
    const crmKey = (k: string) => (k.startsWith("salesforce:") ? `hubspot:${toHs.get(k.slice(11))}` : k);
    const sortKey = (d: { category: string; key: string }) => `${d.category}|${d.key}`;
    expect(hs.discrepancies.map(sortKey).sort()).toEqual(
      sf.discrepancies.map((d) => sortKey({ ...d, key: crmKey(d.key) })).sort(),
    );
    const hsKeys = hs.discrepancies.filter((d) => d.key.startsWith("hubspot:"));
    expect(hsKeys.length).toBeGreaterThan(0);
    for (const d of hsKeys) expect(companyIds.has(d.key.slice(8)) || dealIds.has(d.key.slice(8))).toBe(true);
    expect(JSON.stringify(hs)).not.toMatch(/salesforce/);

    // Stripe: metadata.hubspot_company_id / hubspot_deal_id in place of the Salesforce keys, in place.
    const pairs = (f: string) => {
      const [s, h] = [read(sfDir, f), read(hsDir, f)];
      expect(h).toHaveLength(s.length);
      return s.map((x, i) => [x, h[i]!] as const);
    };
    let companyRefs = 0;
    for (const [s, h] of pairs("stripe/customers.jsonl")) {
      const sm = s.metadata as Record<string, string>;
      const hm = h.metadata as Record<string, string>;
      expect(hm).not.toHaveProperty("salesforce_account_id");
      if (sm.salesforce_account_id) {
        companyRefs++;
        expect(companyIds.has(hm.hubspot_company_id!)).toBe(true);
        expect(hm.hubspot_company_id).toBe(toHs.get(sm.salesforce_account_id));
        expect(Object.keys(hm).indexOf("hubspot_company_id")).toBe(
          Object.keys(sm).indexOf("salesforce_account_id"),
        );
      }
      expect({ ...h, metadata: null }).toEqual({ ...s, metadata: null });
    }
    expect(companyRefs).toBeGreaterThan(100);
    let dealRefs = 0;
    for (const [s, h] of pairs("stripe/subscriptions.jsonl")) {
      const sm = s.metadata as Record<string, string>;
      const hm = h.metadata as Record<string, string>;
      if (sm.salesforce_opportunity_id) {
        dealRefs++;
        expect(dealIds.has(hm.hubspot_deal_id!)).toBe(true);
        expect(hm.hubspot_deal_id).toBe(toHs.get(sm.salesforce_opportunity_id));
      }
      expect(hm).not.toHaveProperty("salesforce_opportunity_id");
    }
    expect(dealRefs).toBeGreaterThan(50);

    // Zendesk external_id and NetSuite externalid: the company id wherever Salesforce had the account id.
    const linked = { zendesk: 0, netsuite: 0 };
    for (const [s, h] of pairs("zendesk/organizations.jsonl")) {
      if (s.external_id === null) expect(h.external_id).toBeNull();
      else {
        linked.zendesk++;
        expect(h.external_id).toBe(toHs.get(String(s.external_id)));
        expect(companyIds.has(String(h.external_id))).toBe(true);
      }
    }
    for (const [s, h] of pairs("netsuite/customer.jsonl")) {
      if (!s.externalid) continue;
      linked.netsuite++;
      expect(h.externalid).toBe(toHs.get(String(s.externalid)));
    }
    expect(linked.zendesk).toBeGreaterThan(50);
    expect(linked.netsuite).toBeGreaterThan(50);

    // The legacy ERP's crm_account_id column.
    const erp = (dir: string) =>
      readFileSync(path.join(dir, "erp_exports/customers_2026-11.csv"), "utf8")
        .replace(/^\uFEFF/, "")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(";").at(-1)!.trim());
    const [sfErp, hsErp] = [erp(sfDir), erp(hsDir)];
    expect(sfErp.filter(Boolean).length).toBeGreaterThan(10);
    expect(hsErp).toEqual(sfErp.map((id) => (id ? toHs.get(id) : id)));

    // What the CRM does not touch is the same bytes in both worlds.
    for (const f of [
      "stripe/invoices.jsonl",
      "stripe/charges.jsonl",
      "netsuite/transaction.jsonl",
      "zendesk/tickets.jsonl",
    ])
      expect(readFileSync(path.join(hsDir, f), "utf8"), f).toBe(readFileSync(path.join(sfDir, f), "utf8"));
  });
});
