import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import type { RestApi, Style } from "./rest-api.js";

/** The REST source of each paginator style of the test API (test/helpers/rest-api.ts), as config. */

export const START = "2025-01-01T00:00:00.000Z";
const incremental = { cursorPath: "updated_at", param: "since", initialValue: START };

/** The `items` resource of a source in the given style. */
export function itemsResource(style: Style): Record<string, unknown> {
  switch (style) {
    case "json_link":
      return {
        path: "/json_link/items",
        records: "data",
        paginator: { type: "json_link", nextPath: "links.next" },
        incremental,
      };
    case "header_link":
      return { path: "/header_link/items", paginator: { type: "header_link" }, incremental };
    case "cursor_body":
      return {
        path: "/cursor_body/items",
        records: "items",
        paginator: { type: "cursor", cursorPath: "meta.next_cursor", param: "cursor" },
        incremental,
      };
    case "cursor_header":
      return {
        path: "/cursor_header/items",
        paginator: { type: "cursor", cursorHeader: "X-Next-Cursor", param: "cursor" },
        incremental,
      };
    case "offset":
      return {
        path: "/offset/items",
        records: "results",
        paginator: { type: "offset", limit: 10, totalPath: "total" },
        incremental,
      };
    case "page_number":
      return {
        path: "/page_number/items",
        records: "data",
        paginator: {
          type: "page_number",
          pageSize: 10,
          pageSizeParam: "per_page",
          totalPagesPath: "total_pages",
        },
        incremental,
      };
    case "post_cursor":
      // A search endpoint: the filter and the paging cursor both go in the POST body.
      return {
        path: "/post_cursor/search",
        method: "POST",
        body: { limit: 10 },
        records: "results",
        paginator: { type: "cursor", cursorPath: "paging.next.after", param: "after", location: "body" },
        incremental: { cursorPath: "updated_at", bodyPath: "filter.updated_after", initialValue: START },
      };
  }
}

export function restConfig(api: RestApi, styles: readonly Style[]): Config {
  process.env.REST_TEST_TOKEN = api.token;
  return parseConfig({
    sources: Object.fromEntries(
      styles.map((style) => [
        `api_${style}`,
        {
          type: "rest",
          baseUrl: api.url,
          auth: { type: "bearer", tokenEnv: "REST_TEST_TOKEN" },
          maxRetries: 0,
          resources: { items: itemsResource(style) },
        },
      ]),
    ),
  });
}

/**
 * A config file, in a new temporary folder, declaring one REST source `name` with `resources`
 * against the test API, for the CLI: its base URL and token come from `<NAME>_BASE_URL` and
 * `<NAME>_TOKEN`, which `env` gives.
 */
export function restConfigFile(
  name: string,
  resources: Record<string, unknown>,
): { dir: string; file: string; env(api: RestApi): Record<string, string> } {
  const NAME = name.toUpperCase();
  const config = {
    sources: {
      [name]: {
        type: "rest",
        baseUrlEnv: `${NAME}_BASE_URL`,
        auth: { type: "bearer", tokenEnv: `${NAME}_TOKEN` },
        maxRetries: 0,
        resources,
      },
    },
  };
  const dir = mkdtempSync(path.join(tmpdir(), `trueup-rest-${name}-`));
  const file = path.join(dir, "trueup.config.mjs");
  writeFileSync(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return {
    dir,
    file,
    env: (api) => ({ [`${NAME}_BASE_URL`]: api.url, [`${NAME}_TOKEN`]: api.token }),
  };
}
