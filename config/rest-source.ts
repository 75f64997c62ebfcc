import { z } from "zod";

/**
 * A REST source declared in config: `sources.<name>: { type: "rest", … }`. Secrets are never
 * in it: each credential is named by the environment variable that holds it (`tokenEnv`,
 * `passwordEnv`, …), read when the source runs and masked wherever it could surface.
 * `defineSource` (TypeScript) accepts the same object plus the hooks config cannot say.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");
/** A dotted path into a JSON body or record (`data`, `meta.next_cursor`, `links.next`). */
const jsonPath = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, "a dotted path such as data.items");
const positiveInt = z.number().int().positive();
const location = z.enum(["query", "body"]).default("query");
/** A function, allowed only where a `defineSource` hook goes. */
const hook = <T>() => z.custom<T>((v) => typeof v === "function", { error: "a function" });

const auth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  z.strictObject({ type: z.literal("bearer"), tokenEnv: envName }),
  z.strictObject({
    type: z.literal("api_key"),
    /** The header or query parameter carrying the key. */
    name: z.string().min(1),
    in: z.enum(["header", "query"]).default("header"),
    keyEnv: envName,
  }),
  z.strictObject({
    type: z.literal("basic"),
    /** The user name itself, or the variable holding it. */
    username: z.string().optional(),
    usernameEnv: envName.optional(),
    passwordEnv: envName,
  }),
  z.strictObject({
    type: z.literal("oauth2_client_credentials"),
    /** Absolute, or relative to the source's base URL. */
    tokenUrl: z.string().min(1),
    clientIdEnv: envName,
    clientSecretEnv: envName,
    scope: z.string().optional(),
    /** Extra form fields of the token request (`audience`…). */
    params: z.record(z.string(), z.string()).default({}),
    /** How the client authenticates to the token endpoint: form fields or a Basic header. */
    clientAuth: z.enum(["body", "basic"]).default("body"),
  }),
]);

const hasMore = {
  /** A boolean in the body; false ends the paging whatever else the page says. */
  hasMorePath: jsonPath.optional(),
};

export const restPaginator = z.discriminatedUnion("type", [
  /** One request, no paging. */
  z.strictObject({ type: z.literal("single_page") }),
  /** The body names the next page's URL. */
  z.strictObject({ type: z.literal("json_link"), nextPath: jsonPath }),
  /** RFC 8288 `Link: <…>; rel="next"`. */
  z.strictObject({ type: z.literal("header_link"), rel: z.string().default("next") }),
  /** A cursor from the body (`cursorPath`) or a header (`cursorHeader`) sent back as `param`. */
  z
    .strictObject({
      type: z.literal("cursor"),
      cursorPath: jsonPath.optional(),
      cursorHeader: z.string().optional(),
      /** A query parameter, or with `location: "body"` a dotted path in the JSON request body. */
      param: z.string().min(1),
      location,
      ...hasMore,
    })
    .refine((p) => (p.cursorPath === undefined) !== (p.cursorHeader === undefined), {
      error: "give cursorPath or cursorHeader (one of them)",
    }),
  z.strictObject({
    type: z.literal("offset"),
    limit: positiveInt,
    offsetParam: z.string().default("offset"),
    limitParam: z.string().default("limit"),
    /** The number of records in all pages. Without it, a short page is the last. */
    totalPath: jsonPath.optional(),
    location,
    ...hasMore,
  }),
  z.strictObject({
    type: z.literal("page_number"),
    pageParam: z.string().default("page"),
    /** The first page's number. */
    basePage: z.number().int().nonnegative().default(1),
    pageSize: positiveInt.optional(),
    pageSizeParam: z.string().optional(),
    /** The number of pages. Without it, an empty page (or one shorter than pageSize) is the last. */
    totalPagesPath: jsonPath.optional(),
    location,
    ...hasMore,
  }),
  /** defineSource only: `next(response, request)` gives the next request, or undefined. */
  z.strictObject({ type: z.literal("custom"), next: hook<(...args: never[]) => unknown>() }),
]);

const incremental = z
  .strictObject({
    /** Where the record holds the value that grows when it changes (`updated_at`, `meta.modified`). */
    cursorPath: jsonPath,
    /** The query parameter the start value goes in (for a GET), or… */
    param: z.string().optional(),
    /** …a dotted path in the POST body (a search filter). `{incremental.start}` in params/body works too. */
    bodyPath: jsonPath.optional(),
    /** The start value of the first run. */
    initialValue: z.union([z.string(), z.number()]),
    /** iso: ISO 8601 timestamps; epoch_seconds / epoch_ms: numbers of time; number: any growing number. */
    format: z.enum(["iso", "epoch_seconds", "epoch_ms", "number"]).default("iso"),
    /** Re-read this many seconds before the saved value (time formats). Default: the source's. */
    lookbackSeconds: z.number().nonnegative().optional(),
    /**
     * The most results the API serves for one query (HubSpot search: 10,000). Before paging past
     * it, the pass asks again from the largest cursor value it has seen, so a pass of any size
     * completes. The records must come sorted by the cursor, ascending.
     */
    resultCeiling: positiveInt.optional(),
  })
  .refine((i) => !(i.param && i.bodyPath), { error: "give param or bodyPath, not both" });

const resource = z.strictObject({
  /** Relative to the base URL; `{parent.<field>}` in a child resource. */
  path: z.string().min(1),
  method: z.enum(["GET", "POST"]).default("GET"),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** The JSON body of a POST. */
  body: z.record(z.string(), z.unknown()).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** Dotted path to the array of records in the body; omitted: the body is the array. */
  records: jsonPath.optional(),
  primaryKey: z.union([jsonPath, z.array(jsonPath).min(1)]).default("id"),
  /** Overrides the source's paginator. */
  paginator: restPaginator.optional(),
  incremental: incremental.optional(),
  /** Another resource of this source: this one is read once per record of it. */
  parent: z.string().optional(),
  /** Parent fields copied into each record, as `_<parent>_<field>`. */
  includeFromParent: z.array(jsonPath).default([]),
  /** How deep nested objects are flattened into `a__b` staging columns (default 2). */
  flattenDepth: z.number().int().nonnegative().optional(),
  description: z.string().optional(),
  /** defineSource only: the records of a response, when a dotted path cannot say where they are. */
  selectRecords: hook<(...args: never[]) => unknown>().optional(),
  /** defineSource only: reshape or drop (return undefined) each record before it lands. */
  map: hook<(...args: never[]) => unknown>().optional(),
});

export const restSourceSchema = z
  .strictObject({
    type: z.literal("rest", {
      error:
        'a source that is not built in (salesforce, stripe, netsuite, zendesk, erp_files) must say type: "rest"',
    }),
    enabled: z.boolean().default(true),
    /** The API's base URL… */
    baseUrl: z.string().url().optional(),
    /** …or the variable holding it, which wins when set. */
    baseUrlEnv: envName.optional(),
    auth: auth.default({ type: "none" }),
    headers: z.record(z.string(), z.string()).default({}),
    /** The paginator of every resource that does not name its own. */
    paginator: restPaginator.default({ type: "single_page" }),
    resources: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a resource name"), resource),
    /** Resources to extract; default all. */
    streams: z.array(z.string().min(1)).optional(),
    concurrency: positiveInt.default(4),
    requestsPerSecond: z.number().positive().optional(),
    lookbackSeconds: z.number().nonnegative().optional(),
    timeoutMs: positiveInt.default(60_000),
    maxRetries: z.number().int().nonnegative().default(8),
    freshnessHours: z.number().positive().optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.baseUrl && !s.baseUrlEnv)
      ctx.addIssue({
        code: "custom",
        path: ["baseUrl"],
        input: undefined,
        message: "give baseUrl or baseUrlEnv",
      });
    for (const [name, r] of Object.entries(s.resources)) {
      if (r.parent === undefined) continue;
      if (!s.resources[r.parent])
        ctx.addIssue({
          code: "custom",
          path: ["resources", name, "parent"],
          input: r.parent,
          message: `no resource ${r.parent} in this source (it has ${Object.keys(s.resources).join(", ")})`,
        });
      else if (s.resources[r.parent]!.parent !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["resources", name, "parent"],
          input: r.parent,
          message: `${r.parent} is a child resource itself; a parent must be a top-level resource`,
        });
    }
    for (const [i, name] of (s.streams ?? []).entries())
      if (!s.resources[name])
        ctx.addIssue({
          code: "custom",
          path: ["streams", i],
          input: name,
          message: `no resource ${name} in this source`,
        });
  });

export type RestSourceInput = z.input<typeof restSourceSchema>;
export type RestSourceConfig = z.output<typeof restSourceSchema>;
export type RestResourceConfig = z.output<typeof resource>;
export type RestPaginatorConfig = z.output<typeof restPaginator>;
export type RestAuthConfig = z.output<typeof auth>;
export type RestIncrementalConfig = z.output<typeof incremental>;

const BUILTIN = new Set(["salesforce", "stripe", "netsuite", "zendesk", "erp_files"]);

/** The REST sources a config declares, by name (enabled or not). */
export function restSources(config: { sources: Record<string, unknown> }): [string, RestSourceConfig][] {
  return Object.entries(config.sources).filter(
    (e): e is [string, RestSourceConfig] => !BUILTIN.has(e[0]) && e[1] !== undefined,
  );
}
