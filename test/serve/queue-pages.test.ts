import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { resolveUsers } from "../../serve/auth.js";
import { startServe, type RunningServe } from "../../serve/server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * The queue page over a ledger larger than one page: the owner team, age and amount filters are
 * the warehouse's, so every page, the count and the amount shown are those of all matching
 * items, not of the rows one read happened to fetch.
 */
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({
  reconciliation: {
    ownerTeams: { invoice_missing_in_erp: "accounting", payment_missing_in_erp: "treasury" },
  },
  serve: { users: { pat: { role: "preparer" } } },
});
const PAGE = 25;

// 70 invoices of 1..70 (accounting) and 40 payments of 1..40 (treasury), first found 20 days before the as-of.
const family: RuleFamily = {
  name: "paged",
  description: "Test family.",
  rules: ["invoice", "payment"].map((kind) => ({
    category: `${kind}_missing_in_erp`,
    description: `${kind}s missing`,
    sql: () => `
      SELECT 'stripe:${kind}_' || n AS key, 'c' || n AS customer_id, 'us' AS entity, 'stripe' AS left_system,
             n::text AS left_value, 'netsuite' AS right_system, NULL::text AS right_value, NULL::numeric AS delta,
             'USD' AS currency, n::numeric AS amount_reporting, jsonb_build_object('number', 'DOC-' || n) AS detail
        FROM generate_series(1, ${kind === "invoice" ? 70 : 40}) n`,
  })),
};

let t: TestDatabase;
let serve: RunningServe;
let cookie = "";

async function get(path: string): Promise<string> {
  const res = await fetch(`${serve.url}${path}`, { headers: { cookie } });
  expect(res.status, path).toBe(200);
  return res.text();
}

const keysOf = (page: string) => [...page.matchAll(/data-key="([^"]+)"/g)].map((m) => m[1]!);
const testId = (page: string, id: string) =>
  new RegExp(`data-testid="${id}">([^<]*)<`).exec(page)?.[1]?.trim();

beforeAll(async () => {
  t = await createTestDatabase();
  await runFamily(t.warehouse, family, { config, asOf: "2026-10-01T00:00:00Z", runId: "r1", log });
  await runFamily(t.warehouse, family, { config, asOf: "2026-10-21T00:00:00Z", runId: "r2", log });
  serve = await startServe({
    config,
    warehouse: t.warehouse,
    users: resolveUsers(config.serve, { TRUEUP_USER_PAT_PASSWORD: "pat-Queue-Pages-4411" }),
    log,
    approvePlan: () => Promise.reject(new Error("no plans here")),
    host: "127.0.0.1",
    port: 0,
    pageSize: PAGE,
  });
  const form = await fetch(`${serve.url}/login`);
  const loginCookie = /trueup_login=[^;]+/.exec(form.headers.get("set-cookie") ?? "")![0];
  const token = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${serve.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: loginCookie },
    body: new URLSearchParams({ user: "pat", password: "pat-Queue-Pages-4411", csrf: token, next: "/" }),
  });
  expect(res.status).toBe(303);
  cookie = /trueup_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")![0];
}, 120_000);

afterAll(async () => {
  await serve?.close();
  await t?.drop();
});

describe("the queue page, filtered in the warehouse", () => {
  it("pages through exactly the items of the owner team above the amount, largest first; totals count them all", async () => {
    // What the filters select, asked of the warehouse directly.
    const expected = (
      await t.warehouse.query<{ key: string }>(
        `SELECT key FROM recon.discrepancy WHERE status = 'open' AND owner_team = 'accounting' AND amount_reporting >= 20
          ORDER BY amount_reporting DESC, key`,
      )
    ).map((r) => r.key);
    expect(expected).toHaveLength(51);
    const filter = "team=accounting&minAmount=20&minAge=20";
    const pages = [
      await get(`/?${filter}`),
      await get(`/?${filter}&page=2`),
      await get(`/?${filter}&page=3`),
    ];
    expect(pages.map((p) => keysOf(p).length)).toEqual([PAGE, PAGE, 1]);
    expect(pages.flatMap(keysOf)).toEqual(expected);
    expect(testId(pages[0]!, "queue-count")).toBe("51");
    // 20 + 21 + … + 70
    expect(testId(pages[0]!, "queue-amount")).toMatch(/2,295\.00/);
    expect(pages[0]).toMatch(/Items 1–25 of 51\s+\(page 1 of 3\)/);
    expect(pages[2]).toMatch(
      /rel="prev" href="\/\?team=accounting&amp;minAge=20&amp;minAmount=20&amp;page=2"/,
    );
  });

  it("an age above every item's and a team nobody has leave the queue empty; the unfiltered queue counts every item", async () => {
    expect(testId(await get(`/?minAge=21`), "queue-count")).toBe("0");
    expect(testId(await get(`/?team=nobody`), "queue-count")).toBe("0");
    const all = await get(`/`);
    expect(testId(all, "queue-count")).toBe("110");
    expect(keysOf(all)).toHaveLength(PAGE);
    expect(keysOf(await get(`/?team=treasury&page=2`))).toHaveLength(15);
  });
});
