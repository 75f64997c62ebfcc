import { randomBytes } from "node:crypto";
import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { salesforceTime } from "../store.js";
import { compare, fieldsOf, matches, parseSoql, SoqlError } from "./soql.js";

type Rec = Record<string, unknown>;

const READ_ONLY = new Set([
  "Id",
  "CreatedDate",
  "SystemModstamp",
  "LastModifiedDate",
  "IsDeleted",
  "IsClosed",
  "IsWon",
]);
const DEFAULT_BATCH = 2000;
const MAX_COLLECTION = 200;

function sfError(status: number, errorCode: string, message: string, extra: Rec = {}): SandboxResponse {
  return { status, body: [{ message, errorCode, ...extra }] };
}

/** Field type as describe reports it, from the world's values (and names, for always-null fields). */
function typeOf(name: string, values: unknown[]): string {
  if (name === "Id") return "id";
  const sample = values.find((v) => v !== null && v !== undefined);
  if (sample === undefined) {
    if (/Date__c$/.test(name)) return "date";
    if (/(Amount|ARR)__c$/.test(name)) return "currency";
    if (/Score__c$/.test(name)) return "double";
    return "string";
  }
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "number") return name === "Amount" ? "currency" : "double";
  if (typeof sample === "string") {
    if (/Id$/.test(name) && /^[a-zA-Z0-9]{15,18}$/.test(sample)) return "reference";
    if (/^\d{4}-\d{2}-\d{2}T/.test(sample)) return "datetime";
    if (/^\d{4}-\d{2}-\d{2}$/.test(sample)) return "date";
    if (name === "Website") return "url";
    if (/^(StageName|Type|Industry|CurrencyIsoCode|Support_Tier__c)$/.test(name)) return "picklist";
  }
  return "string";
}

interface Cursor {
  rows: Rec[];
  fields: string[];
  object: string;
}

class SalesforceEmulator implements Emulator {
  readonly system = "salesforce" as const;
  private used = 0;
  private readonly cursors = new Map<string, Cursor>();
  private readonly describes = new Map<string, { name: string; type: string }[]>();

  constructor(private readonly ctx: EmulatorContext) {
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
    const n = Math.min(rows.length, 2500 + this.ctx.rng.int(0, 500));
    const start = rows.length > n ? this.ctx.rng.int(0, rows.length - n) : 0;
    const stamp = salesforceTime(new Date(store.asOf.getTime() - this.ctx.rng.int(1, 30) * 86_400_000));
    for (const r of rows.slice(start, start + n)) r.SystemModstamp = stamp;
  }

  private limitHeader(): Record<string, string> {
    return { "sforce-limit-info": `api-usage=${this.used}/${this.ctx.options.salesforceDailyApiRequests}` };
  }

  handle(req: SandboxRequest): SandboxResponse {
    if (req.headers.authorization !== `Bearer ${SANDBOX_CREDENTIALS.salesforce.accessToken}`)
      return sfError(401, "INVALID_SESSION_ID", "Session expired or invalid");
    if (this.used >= this.ctx.options.salesforceDailyApiRequests) {
      const r = sfError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
      r.headers = this.limitHeader();
      return r;
    }
    this.used++;
    let r: SandboxResponse;
    try {
      r = this.route(req);
    } catch (err) {
      if (err instanceof SoqlError) r = sfError(400, err.code, err.message);
      else throw err;
    }
    r.headers = { ...r.headers, ...this.limitHeader() };
    return r;
  }

  private route(req: SandboxRequest): SandboxResponse {
    const parts = req.path.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "services" || parts[1] !== "data")
      return sfError(404, "NOT_FOUND", "The requested resource does not exist");
    if (parts.length === 2)
      return { status: 200, body: [{ label: "Winter '25", url: "/services/data/v61.0", version: "61.0" }] };
    const version = parts[2]!;
    const rest = parts.slice(3);
    if ((rest[0] === "query" || rest[0] === "queryAll") && rest.length === 1 && req.method === "GET") {
      const q = req.query.q;
      if (typeof q !== "string") return sfError(400, "MALFORMED_QUERY", "missing query parameter q");
      const batch = /batchSize=(\d+)/.exec(String(req.headers["sforce-query-options"] ?? ""));
      return this.query(
        q,
        rest[0] === "queryAll",
        version,
        batch ? Math.min(2000, Math.max(200, Number(batch[1]))) : DEFAULT_BATCH,
      );
    }
    if ((rest[0] === "query" || rest[0] === "queryAll") && rest.length === 2 && req.method === "GET")
      return this.more(rest[1]!, version);
    if (rest[0] === "composite" && rest[1] === "sobjects" && req.method === "PATCH")
      return this.collection(req.body);
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
            fields: this.describe(object).map((f) => this.describeField(f)),
          },
        };
      if (rest[2] && rest.length === 3) {
        const rec = this.ctx.store.get("salesforce", object, rest[2]);
        if (!rec || rec.IsDeleted === true)
          return sfError(404, "NOT_FOUND", "The requested resource does not exist");
        if (req.method === "GET") return { status: 200, body: this.withAttributes(rec, object, version) };
        if (req.method === "PATCH") {
          const problems = this.invalidFields(object, req.body as Rec);
          if (problems.length) return { status: 400, body: problems };
          this.ctx.store.patch("salesforce", object, rest[2], req.body as Rec);
          return { status: 204 };
        }
      }
    }
    return sfError(404, "NOT_FOUND", "The requested resource does not exist");
  }

  private describe(object: string): { name: string; type: string }[] {
    let d = this.describes.get(object);
    if (!d) {
      const rows = this.ctx.store.list("salesforce", object);
      const names = new Set<string>();
      for (const r of rows.slice(0, 500)) for (const k of Object.keys(r)) names.add(k);
      d = [...names].map((name) => ({
        name,
        type: typeOf(
          name,
          rows.slice(0, 500).map((r) => r[name]),
        ),
      }));
      this.describes.set(object, d);
    }
    return d;
  }

  private describeField(f: { name: string; type: string }): Rec {
    return {
      name: f.name,
      label: f.name.replace(/__c$/, "").replace(/_/g, " "),
      type: f.type,
      custom: f.name.endsWith("__c"),
      updateable: !READ_ONLY.has(f.name),
      createable: !READ_ONLY.has(f.name),
      nillable: f.name !== "Id" && f.name !== "Name" && f.type !== "boolean",
      length: f.type === "string" || f.type === "picklist" || f.type === "url" ? 255 : 0,
      picklistValues:
        f.name === "Support_Tier__c"
          ? ["none", "standard", "premium"].map((value) => ({ value, label: value, active: true }))
          : [],
    };
  }

  private invalidFields(object: string, body: Rec | undefined): Rec[] {
    const known = new Map(this.describe(object).map((f) => [f.name, f]));
    const out: Rec[] = [];
    for (const [k, v] of Object.entries(body ?? {})) {
      if (k === "attributes" || k === "id" || k === "Id") continue;
      const f = known.get(k);
      if (!f)
        out.push({
          statusCode: "INVALID_FIELD",
          message: `No such column '${k}' on sobject of type ${object}`,
          fields: [k],
        });
      else if (READ_ONLY.has(k))
        out.push({
          statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
          message: `Unable to create/update fields: ${k}.`,
          fields: [k],
        });
      else if (v !== null && (f.type === "double" || f.type === "currency") && typeof v !== "number")
        out.push({
          statusCode: "INVALID_TYPE_ON_FIELD_IN_RECORD",
          message: `${k}: value not of required type: ${JSON.stringify(v)}`,
          fields: [k],
        });
    }
    return out;
  }

  private withAttributes(r: Rec, object: string, version: string, fields?: string[]): Rec {
    const out: Rec = {
      attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${String(r.Id)}` },
    };
    for (const f of fields ?? Object.keys(r)) out[f] = r[f] ?? null;
    return out;
  }

  private query(q: string, all: boolean, version: string, batch: number): SandboxResponse {
    const parsed = parseSoql(q);
    const known = new Set(this.describe(parsed.object).map((f) => f.name));
    if (!this.ctx.store.objects("salesforce").includes(parsed.object))
      return sfError(400, "INVALID_TYPE", `sObject type '${parsed.object}' is not supported.`);
    for (const f of [...parsed.fields, ...fieldsOf(parsed.where), ...parsed.orderBy.map((o) => o.field)])
      if (!known.has(f))
        return sfError(400, "INVALID_FIELD", `No such column '${f}' on entity '${parsed.object}'.`);
    let rows = this.ctx.store
      .list("salesforce", parsed.object)
      .filter((r) => (all || r.IsDeleted !== true) && matches(parsed.where, r));
    if (parsed.orderBy.length) {
      rows = rows.slice().sort((a, b) => {
        for (const o of parsed.orderBy) {
          const an = a[o.field] === null || a[o.field] === undefined;
          const bn = b[o.field] === null || b[o.field] === undefined;
          if (an !== bn) return an === o.nullsLast ? 1 : -1;
          const c = compare(a[o.field], b[o.field]);
          if (c) return o.desc ? -c : c;
        }
        return 0;
      });
    }
    if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
    if (parsed.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    // A cursor is a snapshot: later edits do not shift the pages of a query already running.
    const snapshot = rows.map((r) => this.withAttributes(r, parsed.object, version, parsed.fields));
    return this.pageOf({ rows: snapshot, fields: parsed.fields, object: parsed.object }, 0, batch, version);
  }

  private pageOf(c: Cursor, offset: number, batch: number, version: string): SandboxResponse {
    const records = c.rows.slice(offset, offset + batch);
    const done = offset + batch >= c.rows.length;
    const body: Rec = { totalSize: c.rows.length, done, records };
    if (!done) {
      const locator = `01g${randomBytes(6).toString("hex").toUpperCase()}`;
      this.cursors.set(locator, c);
      body.nextRecordsUrl = `/services/data/${version}/query/${locator}-${offset + batch}`;
      (c as Cursor & { batch?: number }).batch = batch;
    }
    return { status: 200, body };
  }

  private more(token: string, version: string): SandboxResponse {
    const m = /^(01g[0-9A-F]+)-(\d+)$/.exec(token);
    const c = m ? this.cursors.get(m[1]!) : undefined;
    if (!m || !c) return sfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    // Locators stay valid (Salesforce keeps them about 15 minutes): a client may ask for a page again.
    return this.pageOf(c, Number(m[2]), (c as Cursor & { batch?: number }).batch ?? DEFAULT_BATCH, version);
  }

  /** `PATCH composite/sobjects`: up to 200 records, one result each, in request order. */
  private collection(body: unknown): SandboxResponse {
    const b = body as { allOrNone?: boolean; records?: Rec[] } | undefined;
    const records = b?.records;
    if (!Array.isArray(records)) return sfError(400, "JSON_PARSER_ERROR", "records must be an array");
    if (records.length > MAX_COLLECTION)
      return sfError(
        400,
        "EXCEEDED_ID_LIMIT",
        `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
      );
    const results = records.map((r) => {
      const object = (r.attributes as { type?: string } | undefined)?.type;
      const id = String(r.id ?? r.Id ?? "");
      if (!object)
        return {
          id,
          success: false,
          errors: [{ statusCode: "INVALID_TYPE", message: "attributes.type is required", fields: [] }],
        };
      const rec = this.ctx.store.get("salesforce", object, id);
      if (!rec || rec.IsDeleted === true)
        return {
          id,
          success: false,
          errors: [{ statusCode: "ENTITY_IS_DELETED", message: "entity is deleted", fields: [] }],
        };
      const problems = this.invalidFields(object, r);
      if (problems.length) return { id, success: false, errors: problems };
      return { id, success: true, errors: [] as Rec[], object };
    });
    const failed = results.some((r) => !r.success);
    if (b?.allOrNone && failed) {
      return {
        status: 200,
        body: results.map((r) =>
          r.success
            ? {
                id: r.id,
                success: false,
                errors: [
                  {
                    statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    message:
                      "Record rolled back because not all records were valid and the request was using AllOrNone header",
                    fields: [],
                  },
                ],
              }
            : { id: r.id, success: false, errors: r.errors },
        ),
      };
    }
    const now = this.ctx.store.now();
    records.forEach((r, i) => {
      const res = results[i]!;
      if (!res.success) return;
      const patch: Rec = {};
      for (const [k, v] of Object.entries(r))
        if (k !== "attributes" && k !== "id" && k !== "Id") patch[k] = v;
      this.ctx.store.patch("salesforce", res.object!, res.id, patch, now);
    });
    return { status: 200, body: results.map(({ id, success, errors }) => ({ id, success, errors })) };
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
