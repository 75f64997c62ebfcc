import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { runExtract } from "../../extract/run-extract.js";
import { readCursor } from "../../load/state.js";
import { declaredDescriptors } from "../../orchestration/compile-nodes.js";
import { pipelineDag } from "../../orchestration/pipeline.js";
import { makeItems, PAGE, startRestApi, STYLES, type RestApi } from "../helpers/rest-api.js";
import { restConfig } from "../helpers/rest-styles.js";
import { silentLog } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Declarative REST sources (`sources.<name>: { type: "rest" }`) against a local node:http API:
 * one source per paginator style, each record landing exactly once in raw and staging, a second
 * run asking only for what is newer, a fatal error mid-stream followed by a resume.
 */

async function count(t: TestDatabase, table: string, distinct = false): Promise<number> {
  const [r] = await t.warehouse.query<{ n: string }>(
    `SELECT count(${distinct ? "DISTINCT _trueup_payload->>'id'" : "*"}) AS n FROM ${table}`,
  );
  return Number(r!.n);
}

describe("REST sources declared in config, one per paginator style", () => {
  let api: RestApi;
  let t: TestDatabase;
  let config: Config;
  const extract = (runId: string, selection?: string[]) =>
    runExtract({ warehouse: t.warehouse, config, credentials: {}, runId, log: silentLog, selection });

  beforeAll(async () => {
    api = await startRestApi();
    t = await createTestDatabase();
    config = restConfig(api, STYLES);
  });
  afterAll(async () => {
    await t?.drop();
    await api?.close();
  });

  it("the first run lands every record exactly once, in raw and in staging", async () => {
    const out = await extract("first");
    expect(out.map((o) => [o.source, o.stream, o.status, o.rows])).toEqual(
      STYLES.map((s) => [`api_${s}`, "items", "succeeded", 40]),
    );
    for (const s of STYLES) {
      expect([s, await count(t, `raw.api_${s}__items`)]).toEqual([s, 40]);
      expect([s, await count(t, `raw.api_${s}__items`, true)]).toEqual([s, 40]);
      expect([s, await count(t, `staging.api_${s}__items`)]).toEqual([s, 40]);
    }
    // Every page was asked for once: no page read twice, none skipped.
    const pages = (path: string) => api.log.filter((r) => r.path === path).length;
    expect(pages("/json_link/items")).toBe(Math.ceil(40 / PAGE));
    expect(pages("/offset/items")).toBe(4);
    expect(pages("/post_cursor/search")).toBe(4);
    const [row] = await t.warehouse.query<{ name: string; updated_at: Date }>(
      `SELECT name, updated_at FROM staging.api_offset__items WHERE id = 'it_0007'`,
    );
    expect(row).toEqual({ name: "item 7", updated_at: new Date(makeItems(8)[7]!.updated_at) });
  });

  it("a second run asks from the last value reached and lands only what is newer", async () => {
    const before = api.log.length;
    const last = api.items.at(-1)!.updated_at;
    api.items.push(...makeItems(5, 100));
    // An edit of an old record moves it past the saved value.
    const old = api.items.find((r) => r.id === "it_0003")!;
    old.name = "item 3 (edited)";
    old.updated_at = new Date(Date.parse(makeItems(1, 104)[0]!.updated_at) + 1000).toISOString();
    const out = await extract("second");
    expect(out.map((o) => [o.source, o.rows])).toEqual(STYLES.map((s) => [`api_${s}`, 6]));
    const run = api.log.slice(before);
    // Each GET style's first request of this run (its first page) asks from the saved value.
    for (const s of STYLES.filter((x) => x !== "post_cursor")) {
      const first = run.find((r) => r.path === `/${s}/items`)!;
      expect([s, first.query.since]).toEqual([s, last]);
    }
    const post = run.find((r) => r.path === "/post_cursor/search")!;
    expect(post.body).toEqual({ limit: 10, filter: { updated_after: last } });
    for (const s of STYLES) {
      // The record at the saved value itself was asked for again (>=) and not landed again.
      expect([s, await count(t, `raw.api_${s}__items`)]).toEqual([s, 46]);
      expect([s, await count(t, `staging.api_${s}__items`)]).toEqual([s, 45]);
    }
    const [edited] = await t.warehouse.query<{ name: string }>(
      `SELECT name FROM staging.api_header_link__items WHERE id = 'it_0003'`,
    );
    expect(edited?.name).toBe("item 3 (edited)");
  });

  it("a fatal error mid-stream keeps the pages before it; the next run resumes at the failed page", async () => {
    // 31 records to read for each source: the one at its saved value (not landed again) and 30 new.
    api.items.push(...makeItems(30, 200));
    for (const style of STYLES) {
      const source = `api_${style}`;
      const per = style === "offset" || style === "page_number" || style === "post_cursor" ? 10 : PAGE;
      const pages = Math.ceil(31 / per);
      const t0 = await count(t, `raw.${source}__items`);
      api.failAt(2, 403);
      const [failed] = await extract(`crash-${style}`, [source]);
      expect([style, failed!.status, failed!.rows]).toEqual([style, "failed", per - 1]);
      expect(failed!.error).toMatch(/403/);
      const cursor = (await readCursor(t.warehouse, source, "items")) as { pass?: { next: unknown } };
      expect(cursor.pass?.next).toBeDefined();
      const before = api.log.length;
      const [resumed] = await extract(`resume-${style}`, [source]);
      expect([style, resumed!.status, resumed!.rows]).toEqual([style, "succeeded", 31 - per]);
      // The resumed run starts at the page that failed, not at the first.
      expect([style, api.log.length - before]).toEqual([style, pages - 1]);
      expect([style, await count(t, `raw.${source}__items`)]).toEqual([style, t0 + 30]);
      expect([style, await count(t, `raw.${source}__items`, true)]).toEqual([style, 75]);
      expect([style, await count(t, `staging.${source}__items`)]).toEqual([style, 75]);
    }
  });
});

describe("REST sources in the DAG", () => {
  it("each resource is an extract node of the run's DAG and a load node of trueup compile", () => {
    const config = parseConfig({
      sources: {
        billing: {
          type: "rest",
          baseUrl: "https://x",
          resources: { a: { path: "/a" }, b: { path: "/b", parent: "a" } },
        },
        off: { type: "rest", enabled: false, baseUrl: "https://x", resources: { c: { path: "/c" } } },
      },
    });
    const ids = [...pipelineDag(config, []).nodes.values()]
      .filter((n) => n.kind === "extract")
      .map((n) => n.id);
    expect(ids.filter((id) => !id.startsWith("reference."))).toEqual(["billing.a", "billing.b"]);
    // trueup compile describes them from config alone: key and version column as configured.
    const rest = declaredDescriptors(config).filter((d) => d.source === "billing");
    expect(rest.map((d) => [d.stream, d.primaryKey, d.versionColumn])).toEqual([
      ["a", ["id"], undefined],
      ["b", ["id"], undefined],
    ]);
    const inc = parseConfig({
      sources: {
        shop: {
          type: "rest",
          baseUrl: "https://x",
          resources: {
            lines: {
              path: "/l",
              primaryKey: ["order.id", "lineNo"],
              incremental: { cursorPath: "meta.updatedAt", format: "epoch_ms", initialValue: 0 },
            },
          },
        },
      },
    });
    expect(declaredDescriptors(inc).find((d) => d.source === "shop")).toMatchObject({
      stream: "lines",
      primaryKey: ["order__id", "line_no"],
      versionColumn: "meta__updated_at",
      columnTypes: { meta__updated_at: "numeric" },
    });
  });
});

describe("REST source config errors name the key", () => {
  const bad = (source: Record<string, unknown>) => {
    try {
      parseConfig({ sources: { billing: { type: "rest", baseUrl: "https://api.example.com", ...source } } });
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("the config was accepted");
  };
  const items = { path: "/items" };

  it("names the key path of each mistake", () => {
    expect(bad({ resources: { items: { ...items, paginator: { type: "offset" } } } })).toMatch(
      /sources\.billing\.resources\.items\.paginator\.limit: .*expected number/,
    );
    expect(bad({ resources: { items: { ...items, paginator: { type: "cursor", param: "c" } } } })).toMatch(
      /sources\.billing\.resources\.items\.paginator: .*cursorPath or cursorHeader/,
    );
    expect(bad({ resources: { items: { ...items, paginator: { type: "bogus" } } } })).toMatch(
      /sources\.billing\.resources\.items\.paginator\.type/,
    );
    expect(bad({ resources: { items: { ...items, recods: "data" } } })).toMatch(
      /sources\.billing\.resources\.items\.recods: unknown key/,
    );
    expect(bad({ resources: { lines: { ...items, parent: "invoices" } } })).toMatch(
      /sources\.billing\.resources\.lines\.parent: .*no resource invoices/,
    );
    expect(bad({ auth: { type: "bearer", tokenEnv: "lower case" }, resources: { items } })).toMatch(
      /sources\.billing\.auth\.tokenEnv: .*environment variable name/,
    );
    expect(bad({ auth: { type: "bearer", token: "abc" }, resources: { items } })).toMatch(
      /sources\.billing\.auth\.token is a secret, and trueup reads secrets only from the environment/,
    );
    expect(bad({ resources: { items: { ...items, incremental: { cursorPath: "updated_at" } } } })).toMatch(
      /sources\.billing\.resources\.items\.incremental\.initialValue/,
    );
    expect(() => parseConfig({ sources: { billing: { baseUrl: "https://x", resources: {} } } })).toThrow(
      /sources\.billing\.type: .*must say type: "rest"/,
    );
    expect(() =>
      parseConfig({
        sources: { "Billing-API": { type: "rest", baseUrl: "https://x", resources: { items } } },
      }),
    ).toThrow(/sources\.Billing-API: got "Billing-API" \(string\), a source name in lower_snake_case/);
    expect(() => parseConfig({ sources: { billing: { type: "rest", resources: { items } } } })).toThrow(
      /sources\.billing\.baseUrl: got nothing, give baseUrl or baseUrlEnv/,
    );
  });
});
