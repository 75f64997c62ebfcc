import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { salesforceTime } from "../store.js";
import { SalesforceQueries, withAttributes } from "./query.js";
import { MAX_COLLECTION, sfError } from "./responses.js";
import { SalesforceSchema } from "./schema.js";
import { canonicalFields, SoqlError } from "./soql.js";
import { SalesforceWrites } from "./writes.js";

/**
 * The Salesforce REST API (v31.0-v62.0) over a world: the API quota, the resources and their
 * routes. What describe says is in schema.ts, queries and their locators in query.ts, the
 * composite collections in writes.ts.
 */

type Rec = Record<string, unknown>;

const DEFAULT_BATCH = 2000;
/** The API versions the org answers (`GET /services/data/`), oldest first as Salesforce lists them. */
const VERSIONS: [string, string][] = [
  ["58.0", "Summer '23"],
  ["59.0", "Winter '24"],
  ["60.0", "Spring '24"],
  ["61.0", "Summer '24"],
  ["62.0", "Winter '25"],
];
class SalesforceEmulator implements Emulator {
  readonly system = "salesforce" as const;
  /** API calls per emulated minute: the quota is a rolling 24 hours, as Salesforce counts it. */
  private readonly usage = new Map<number, number>();
  private readonly schema: SalesforceSchema;
  private readonly queries: SalesforceQueries;
  private readonly writes: SalesforceWrites;

  constructor(private readonly ctx: EmulatorContext) {
    this.schema = new SalesforceSchema(ctx.store);
    this.queries = new SalesforceQueries(ctx.store, this.schema);
    this.writes = new SalesforceWrites(ctx.store, this.schema);
    if (ctx.faults === "hostile") this.tieBlock();
  }

  /**
   * Hostile: a mass update gives thousands of records one SystemModstamp, so a 2,000-record
   * page boundary falls inside the tie (the case that makes `>` cursors skip and `>=` loop).
   */
  private tieBlock(): void {
    const store = this.ctx.store;
    const objects = ["Contact", "Account", "Opportunity"].filter((o) => store.list("salesforce", o).length);
    const object = objects.sort(
      (a, b) => store.list("salesforce", b).length - store.list("salesforce", a).length,
    )[0];
    if (!object) return;
    const rows = store.list("salesforce", object);
    const n = Math.min(rows.length, 2501 + this.ctx.rng.int(0, 499));
    const start = rows.length > n ? this.ctx.rng.int(0, rows.length - n) : 0;
    const stamp = salesforceTime(new Date(store.asOf.getTime() - this.ctx.rng.int(1, 30) * 86_400_000));
    for (const r of rows.slice(start, start + n)) r.SystemModstamp = stamp;
  }

  private used(): number {
    const minute = Math.floor(this.ctx.store.now().getTime() / 60_000);
    let n = 0;
    for (const [m, count] of this.usage) {
      if (m <= minute - 24 * 60) this.usage.delete(m);
      else n += count;
    }
    return n;
  }

  private limitHeader(used: number): Record<string, string> {
    return { "sforce-limit-info": `api-usage=${used}/${this.ctx.options.salesforceDailyApiRequests}` };
  }

  handle(req: SandboxRequest): SandboxResponse {
    if (req.headers.authorization !== `Bearer ${SANDBOX_CREDENTIALS.salesforce.accessToken}`)
      return sfError(401, "INVALID_SESSION_ID", "Session expired or invalid");
    const used = this.used();
    if (used >= this.ctx.options.salesforceDailyApiRequests) {
      const r = sfError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
      r.headers = this.limitHeader(used);
      return r;
    }
    const minute = Math.floor(this.ctx.store.now().getTime() / 60_000);
    this.usage.set(minute, (this.usage.get(minute) ?? 0) + 1);
    let r: SandboxResponse;
    try {
      r = this.route(req);
    } catch (err) {
      if (err instanceof SoqlError) r = sfError(400, err.code, err.message);
      else throw err;
    }
    r.headers = { ...r.headers, ...this.limitHeader(used + 1) };
    return r;
  }

  private route(req: SandboxRequest): SandboxResponse {
    const parts = req.path.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "services" || parts[1] !== "data")
      return sfError(404, "NOT_FOUND", "The requested resource does not exist");
    if (parts.length === 2)
      return {
        status: 200,
        body: VERSIONS.map(([version, label]) => ({ label, url: `/services/data/v${version}`, version })),
      };
    const version = parts[2]!;
    // Salesforce still answers every version back to 31.0 (older ones are retired).
    const major = /^v(\d+)\.0$/.exec(version);
    if (!major || Number(major[1]) < 31 || Number(major[1]) > 62)
      return sfError(404, "NOT_FOUND", "The requested resource does not exist");
    const rest = parts.slice(3);
    if (rest.length === 0 && req.method === "GET") {
      const resources = ["sobjects", "query", "queryAll", "composite", "limits"];
      return {
        status: 200,
        body: Object.fromEntries(resources.map((r) => [r, `/services/data/${version}/${r}`])),
      };
    }
    if (rest[0] === "limits" && rest.length === 1 && req.method === "GET") {
      const max = this.ctx.options.salesforceDailyApiRequests;
      return {
        status: 200,
        body: { DailyApiRequests: { Max: max, Remaining: Math.max(0, max - this.used()) } },
      };
    }
    if (rest[0] === "sobjects" && rest.length === 1 && req.method === "GET") {
      const objects = this.ctx.store.objects("salesforce").sort();
      return {
        status: 200,
        body: {
          encoding: "UTF-8",
          maxBatchSize: MAX_COLLECTION,
          sobjects: objects.map((name) => ({
            name,
            label: name,
            custom: name.endsWith("__c"),
            queryable: true,
            retrieveable: true,
            updateable: true,
            urls: {
              sobject: `/services/data/${version}/sobjects/${name}`,
              describe: `/services/data/${version}/sobjects/${name}/describe`,
              rowTemplate: `/services/data/${version}/sobjects/${name}/{ID}`,
            },
          })),
        },
      };
    }
    if ((rest[0] === "query" || rest[0] === "queryAll") && rest.length === 1 && req.method === "GET") {
      const q = req.query.q;
      if (typeof q !== "string") return sfError(400, "MALFORMED_QUERY", "missing query parameter q");
      const batch = /batchSize=(\d+)/.exec(String(req.headers["sforce-query-options"] ?? ""));
      return this.queries.query(
        q,
        rest[0] === "queryAll",
        version,
        batch ? Math.min(2000, Math.max(200, Number(batch[1]))) : DEFAULT_BATCH,
      );
    }
    if ((rest[0] === "query" || rest[0] === "queryAll") && rest.length === 2 && req.method === "GET")
      return this.queries.more(rest[1]!, version);
    if (rest[0] === "composite" && rest[1] === "sobjects" && rest.length === 2 && req.method === "PATCH")
      return this.writes.collection(req.body);
    if (rest[0] === "composite" && rest[1] === "sobjects" && rest.length === 4 && req.method === "PATCH")
      return this.writes.upsertCollection(rest[2]!, rest[3]!, req.body);
    if (rest[0] === "composite" && rest[1] === "sobjects" && rest.length === 2 && req.method === "DELETE")
      return this.writes.deleteCollection(req.query.ids);
    if (rest[0] === "sobjects" && rest[1]) {
      const object = rest[1];
      if (!this.ctx.store.objects("salesforce").includes(object))
        return sfError(
          404,
          "NOT_FOUND",
          `The requested resource does not exist: sObject type '${object}' is not supported.`,
        );
      if (rest[2] === "describe" && req.method === "GET")
        return {
          status: 200,
          body: {
            name: object,
            label: object,
            custom: false,
            fields: this.schema.describe(object).map((f) => this.schema.describeField(f)),
          },
        };
      if (rest[2] && rest.length === 3) {
        const rec = this.ctx.store.get("salesforce", object, rest[2]);
        if (!rec || rec.IsDeleted === true)
          return sfError(404, "NOT_FOUND", "The requested resource does not exist");
        if (req.method === "GET") {
          const wanted = typeof req.query.fields === "string" ? req.query.fields.split(",") : undefined;
          const fields = wanted
            ? canonicalFields(
                { count: false, object, fields: wanted.map((f) => f.trim()), orderBy: [] },
                this.schema.describe(object).map((f) => f.name),
              ).fields
            : undefined;
          return { status: 200, body: withAttributes(rec, object, version, fields) };
        }
        if (req.method === "PATCH") {
          const problems = this.schema.invalidFields(object, req.body as Rec);
          // A single-record call reports errors as errorCode (collections say statusCode).
          if (problems.length)
            return {
              status: 400,
              body: problems.map((p) => ({ message: p.message, errorCode: p.statusCode, fields: p.fields })),
            };
          this.ctx.store.patch("salesforce", object, rest[2], req.body as Rec);
          return { status: 204 };
        }
      }
    }
    return sfError(404, "NOT_FOUND", "The requested resource does not exist");
  }
}

export const salesforceModule: SystemEmulatorModule = {
  system: "salesforce",
  create: (ctx) => new SalesforceEmulator(ctx),
  faults: {
    // Salesforce does not answer 429; an overloaded org answers 503 SERVER_UNAVAILABLE.
    throttled: (s) => ({
      status: 503,
      headers: { "retry-after": String(s) },
      body: [{ errorCode: "SERVER_UNAVAILABLE", message: "Server is temporarily unavailable, please retry" }],
    }),
    serverError: () => ({
      status: 500,
      headers: {},
      body: [
        {
          errorCode: "UNKNOWN_EXCEPTION",
          message:
            "An unexpected error occurred. Please include this ErrorId if you contact support: 0-0 (sandbox)",
        },
      ],
    }),
  },
};
