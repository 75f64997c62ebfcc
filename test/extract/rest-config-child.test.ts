import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { runExtract } from "../../extract/run-extract.js";
import { defineConfig, defineSource } from "../../index.js";
import { readCursor } from "../../load/state.js";
import { startRestApi, type Rec, type RestApi } from "../helpers/rest-api.js";
import { silentLog } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Child resources (one read per parent record, incremental per parent), OAuth2 client
 * credentials with a token refreshed on a 401, an API key in the query, and defineSource's hooks.
 */

const START = "2025-01-01T00:00:00.000Z";
const at = (day: number, minute: number) => new Date(Date.UTC(2026, 1, day, 0, minute)).toISOString();
/** Invoices of one customer: ids repeat across customers (the key is customer and id). */
const invoices = (day: number, n: number, from = 0): Rec[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `inv_${from + i}`,
    name: `invoice ${from + i}`,
    updated_at: at(day, from + i),
  }));

async function count(t: TestDatabase, table: string): Promise<number> {
  const [r] = await t.warehouse.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(r!.n);
}

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const extract = (config: Config, runId: string, selection?: string[]) =>
  runExtract({ warehouse: t.warehouse, config, credentials: {}, runId, log: silentLog, selection });

describe("a child resource, incremental per parent", () => {
  let api: RestApi;
  let config: Config;
  beforeAll(async () => {
    api = await startRestApi();
    for (const [k, c] of ["c1", "c2", "c3", "c4"].entries()) api.invoices.set(c, invoices(k + 1, 5));
    process.env.REST_CHILD_TOKEN = api.token;
    config = parseConfig(
      defineConfig({
        sources: {
          shop: {
            type: "rest",
            baseUrlEnv: "REST_CHILD_BASE_URL",
            baseUrl: "https://api.example.invalid",
            auth: { type: "bearer", tokenEnv: "REST_CHILD_TOKEN" },
            maxRetries: 0,
            resources: {
              customers: { path: "/customers", records: "data" },
              invoices: {
                parent: "customers",
                path: "/customers/{parent.id}/invoices",
                records: "results",
                paginator: { type: "offset", limit: 3, totalPath: "total" },
                includeFromParent: ["id"],
                primaryKey: ["_customers_id", "id"],
                incremental: { cursorPath: "updated_at", param: "since", initialValue: START },
              },
            },
          },
        },
      }),
    );
    process.env.REST_CHILD_BASE_URL = api.url;
  });
  afterAll(() => api?.close());

  it("reads every parent's records once, each parent from its own position", async () => {
    const out = await extract(config, "child-1");
    expect(out.map((o) => [o.stream, o.status, o.rows])).toEqual([
      ["customers", "succeeded", 4],
      ["invoices", "succeeded", 20],
    ]);
    expect(await count(t, "raw.shop__invoices")).toBe(20);
    const rows = await t.warehouse.query<{ c: string; n: string }>(
      `SELECT _customers_id AS c, count(*) AS n FROM staging.shop__invoices GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual(["c1", "c2", "c3", "c4"].map((c) => ({ c, n: "5" })));

    // Later: two new invoices for c2, a new customer c5; nothing else changed.
    api.invoices.get("c2")!.push(...invoices(2, 2, 5));
    api.invoices.set("c5", invoices(5, 2));
    const before = api.log.length;
    const second = await extract(config, "child-2", ["shop.invoices"]);
    expect(second[0]!.rows).toBe(4);
    // A batch (a commit) for c2's page, one for c5's, one closing the pass: none for the others.
    expect(second[0]!.batches).toBe(3);
    const since = Object.fromEntries(
      api.log
        .slice(before)
        .filter((r) => r.path.endsWith("/invoices"))
        .map((r) => [r.path.split("/")[2], r.query.since]),
    );
    // Each customer is asked from its own last invoice; the new one from the initial value.
    expect(since).toEqual({
      c1: at(1, 4),
      c2: at(2, 4),
      c3: at(3, 4),
      c4: at(4, 4),
      c5: START,
    });
    expect(await count(t, "raw.shop__invoices")).toBe(24);
    expect(await count(t, "staging.shop__invoices")).toBe(24);
  });

  it("a fatal error at one parent keeps the parents before it; the resumed pass skips them", async () => {
    for (const c of ["c1", "c3", "c4"]) api.invoices.get(c)!.push(...invoices(Number(c[1]), 1, 9));
    api.failAt(1, 500, "/customers/c3/invoices");
    const [failed] = await extract(config, "child-3", ["shop.invoices"]);
    expect(failed!.status).toBe("failed");
    const state = (await readCursor(t.warehouse, "shop", "invoices")) as { pass?: number };
    expect(state.pass).toBeTypeOf("number");
    const before = api.log.length;
    const [resumed] = await extract(config, "child-4", ["shop.invoices"]);
    expect(resumed!.status).toBe("succeeded");
    const asked = api.log
      .slice(before)
      .filter((r) => r.path.endsWith("/invoices"))
      .map((r) => r.path.split("/")[2]);
    // c1 committed its new invoice, and with it that it is done; c2 had nothing new, so nothing
    // of it was committed and it is asked again (for nothing again).
    expect(asked).toEqual(["c2", "c3", "c4", "c5"]);
    expect(await count(t, "raw.shop__invoices")).toBe(27);
    expect(((await readCursor(t.warehouse, "shop", "invoices")) as { pass?: number }).pass).toBeUndefined();
  });
});

describe("auth", () => {
  it("a variable the config names but the environment lacks is an error naming both", async () => {
    delete process.env.REST_UNSET_TOKEN;
    const config = parseConfig({
      sources: {
        unset: {
          type: "rest",
          baseUrl: "https://api.example.invalid",
          auth: { type: "bearer", tokenEnv: "REST_UNSET_TOKEN" },
          resources: { items: { path: "/items" } },
        },
      },
    });
    await expect(extract(config, "unset")).rejects.toThrow(
      "environment variable REST_UNSET_TOKEN is not set (named by sources.unset.auth.tokenEnv)",
    );
  });

  it("OAuth2 client credentials: a 401 mid-stream fetches a new token and the page is read again", async () => {
    const api = await startRestApi({ auth: "oauth2" });
    try {
      process.env.REST_OAUTH_ID = "cid";
      process.env.REST_OAUTH_SECRET = "rest-test-secret-8d1e";
      api.afterPage = (_, page) => {
        if (page === 2) api.revokeTokens();
      };
      const config = parseConfig({
        sources: {
          oauth_api: {
            type: "rest",
            baseUrl: api.url,
            auth: {
              type: "oauth2_client_credentials",
              tokenUrl: "/oauth/token",
              clientIdEnv: "REST_OAUTH_ID",
              clientSecretEnv: "REST_OAUTH_SECRET",
            },
            maxRetries: 0,
            paginator: { type: "json_link", nextPath: "links.next" },
            resources: { items: { path: "/json_link/items", records: "data" } },
          },
        },
      });
      const [out] = await extract(config, "oauth");
      expect([out!.status, out!.rows]).toEqual(["succeeded", 40]);
      expect(api.issued).toHaveLength(2);
      const statuses = api.log.filter((r) => r.path !== "/oauth/token").map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(6);
      expect(await count(t, "raw.oauth_api__items")).toBe(40);
    } finally {
      await api.close();
    }
  });

  it("an API key in a header, and basic auth", async () => {
    for (const [mode, auth] of [
      ["api_key_header", { type: "api_key", name: "X-Api-Key", keyEnv: "REST_PLAIN_KEY" }],
      ["basic", { type: "basic", username: "svc", passwordEnv: "REST_PLAIN_KEY" }],
    ] as const) {
      const api = await startRestApi({ auth: mode });
      try {
        process.env.REST_PLAIN_KEY = api.token;
        const config = parseConfig(
          defineConfig({
            sources: {
              [`plain_${mode}`]: {
                type: "rest",
                baseUrl: api.url,
                auth,
                maxRetries: 0,
                resources: { items: { path: "/offset/items", records: "results" } },
              },
            },
          }),
        );
        const [out] = await extract(config, `plain-${mode}`);
        expect([mode, out!.status, out!.rows]).toEqual([mode, "succeeded", 10]);
        expect(api.log.map((r) => r.status)).toEqual([200]);
      } finally {
        await api.close();
      }
    }
  });

  it("an API key in the query, never in an error's text", async () => {
    const api = await startRestApi({ auth: "api_key_query" });
    try {
      process.env.REST_QUERY_KEY = api.token;
      const source = (keyEnv: string) => ({
        type: "rest" as const,
        baseUrl: api.url,
        auth: { type: "api_key" as const, name: "api_key", in: "query" as const, keyEnv },
        maxRetries: 0,
        resources: { items: { path: "/offset/items", records: "results" } },
      });
      const [ok] = await extract(parseConfig({ sources: { keyed: source("REST_QUERY_KEY") } }), "key");
      expect([ok!.status, ok!.rows]).toEqual(["succeeded", 10]);
      process.env.REST_QUERY_KEY_WRONG = "wrong-key-value-1234";
      const [bad] = await extract(parseConfig({ sources: { keyed: source("REST_QUERY_KEY_WRONG") } }), "bad");
      expect(bad!.status).toBe("failed");
      expect(bad!.error).toMatch(/401/);
      expect(bad!.error).not.toContain("wrong-key-value-1234");
    } finally {
      await api.close();
    }
  });
});

describe("defineSource", () => {
  it("a custom paginator, a record selector and a record map, run by the same engine", async () => {
    const api = await startRestApi();
    try {
      process.env.REST_DEFINED_TOKEN = api.token;
      const config = parseConfig(
        defineConfig({
          sources: {
            defined: defineSource({
              baseUrl: api.url,
              auth: { type: "bearer", tokenEnv: "REST_DEFINED_TOKEN" },
              maxRetries: 0,
              resources: {
                items: {
                  path: "/offset/items",
                  params: { limit: 10 },
                  paginator: {
                    type: "custom",
                    next: (_res, req, records) =>
                      records.length === 10
                        ? { ...req, query: { ...req.query, offset: Number(req.query?.offset ?? 0) + 10 } }
                        : undefined,
                  },
                  selectRecords: (body) => (body as { results: unknown[] }).results,
                  map: (r) =>
                    r.id === "it_0000" ? undefined : { ...r, label: String(r.name).toUpperCase() },
                },
              },
            }),
          },
        }),
      );
      const [out] = await extract(config, "defined");
      expect([out!.status, out!.rows]).toEqual(["succeeded", 39]);
      const [row] = await t.warehouse.query<{ label: string }>(
        `SELECT label FROM staging.defined__items WHERE id = 'it_0012'`,
      );
      expect(row?.label).toBe("ITEM 12");
    } finally {
      await api.close();
    }
  });
});

describe("the engine the built-in sources use", () => {
  it("retries a 429, and re-reads the lookback window before the saved value", async () => {
    const api = await startRestApi();
    try {
      process.env.REST_ENGINE_TOKEN = api.token;
      const config = parseConfig({
        sources: {
          engine: {
            type: "rest",
            baseUrl: api.url,
            auth: { type: "bearer", tokenEnv: "REST_ENGINE_TOKEN" },
            maxRetries: 2,
            lookbackSeconds: 120,
            paginator: { type: "json_link", nextPath: "links.next" },
            resources: {
              items: {
                path: "/json_link/items",
                records: "data",
                incremental: {
                  cursorPath: "updated_at",
                  param: "since",
                  initialValue: "2025-01-01T00:00:00Z",
                },
              },
            },
          },
        },
      });
      api.failAt(2, 429);
      const [first] = await extract(config, "engine-1");
      expect([first!.status, first!.rows, first!.retries]).toEqual(["succeeded", 40, 1]);
      expect(await count(t, "raw.engine__items")).toBe(40);
      const before = api.log.length;
      const [second] = await extract(config, "engine-2");
      const last = api.items.at(-1)!.updated_at;
      expect(api.log[before]!.query.since).toBe(new Date(Date.parse(last) - 120_000).toISOString());
      // it_0036 and it_0037 are in the window; it_0038 and it_0039 sit at the saved value itself.
      expect(second!.rows).toBe(2);
      expect(await count(t, "staging.engine__items")).toBe(40);
    } finally {
      await api.close();
    }
  });
});
