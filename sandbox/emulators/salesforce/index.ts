import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { SALESFORCE_FIELDS } from "../../world/reference/salesforce-fields.js";
import { salesforceTime } from "../store.js";
import { canonicalFields, compare, matches, parseSoql, SoqlError } from "./soql.js";

type Rec = Record<string, unknown>;

const READ_ONLY = new Set([
  "Id",
  "CreatedDate",
  "SystemModstamp",
  "LastModifiedDate",
  "IsDeleted",
  "IsClosed",
  "IsWon",
  // System, audit, compound and rolled-up fields Salesforce computes itself.
  "CreatedById",
  "LastModifiedById",
  "MasterRecordId",
  "BillingAddress",
  "ShippingAddress",
  "MailingAddress",
  "OtherAddress",
  "PhotoUrl",
  "LastActivityDate",
  "LastViewedDate",
  "LastReferencedDate",
  "ExpectedRevenue",
  "HasOpportunityLineItem",
  "PushCount",
  "LastStageChangeDate",
  "FiscalQuarter",
  "FiscalYear",
  "Fiscal",
  "HasOpenActivity",
  "HasOverdueTask",
  "LastAmountChangedHistoryId",
  "LastCloseDateChangedHistoryId",
]);
const DEFAULT_BATCH = 2000;
/** The API versions the org answers (`GET /services/data/`), oldest first as Salesforce lists them. */
const VERSIONS: [string, string][] = [
  ["58.0", "Summer '23"],
  ["59.0", "Winter '24"],
  ["60.0", "Spring '24"],
  ["61.0", "Summer '24"],
  ["62.0", "Winter '25"],
];
const SOAP_TYPES: Record<string, string> = {
  id: "tns:ID",
  reference: "tns:ID",
  boolean: "xsd:boolean",
  double: "xsd:double",
  currency: "xsd:double",
  date: "xsd:date",
  datetime: "xsd:dateTime",
  int: "xsd:int",
  percent: "xsd:double",
  address: "urn:address",
};
/** Text lengths describe reports per field type (a long text area's is the org's 32,000 default). */
const FIELD_LENGTH: Record<string, number> = {
  string: 255,
  picklist: 255,
  url: 255,
  textarea: 32_000,
  phone: 40,
  email: 80,
};
const REFERENCE_TO: Record<string, string> = { OwnerId: "User", ParentId: "Account" };
const MAX_COLLECTION = 200;
const EXTERNAL_ID = /_Key__c$/;
/** Key prefixes of the ids Salesforce gives new records, per object. */
const ID_PREFIX: Record<string, string> = { Account: "001", Contact: "003", Opportunity: "006" };
/** Fields Salesforce requires on insert. */
const REQUIRED_ON_CREATE: Record<string, string[]> = {
  Account: ["Name"],
  Opportunity: ["Name", "StageName"],
};

function sfError(status: number, errorCode: string, message: string, extra: Rec = {}): SandboxResponse {
  return { status, body: [{ message, errorCode, ...extra }] };
}

const PICKLISTS = /^(StageName|Type|Industry|CurrencyIsoCode|LeadSource|\w*Status__c|\w*Tier__c)$/;
const CURRENCY = /^(Amount|AnnualRevenue|ExpectedRevenue|\w*Amount__c|ARR__c|MRR__c|\w*Revenue__c)$/;

/**
 * Field type as describe reports it, from the world's values; a field null in every record (the
 * reverse-ETL targets before their first sync) is typed from its name as an admin would have made it.
 */
export function typeOf(name: string, values: Iterable<unknown>): string {
  if (name === "Id") return "id";
  let sample: unknown;
  for (const v of values)
    if (v !== null && v !== undefined) {
      sample = v;
      break;
    }
  if (sample === undefined) {
    if (/Id$/.test(name)) return "reference";
    if (/Date__c$/.test(name)) return "date";
    if (CURRENCY.test(name)) return "currency";
    if (/(Score|Percent|Rate)__c$/.test(name)) return "double";
    if (PICKLISTS.test(name)) return "picklist";
    if (/^(Is|Has)[A-Z]/.test(name)) return "boolean";
    return "string";
  }
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "number") return CURRENCY.test(name) ? "currency" : "double";
  if (typeof sample === "string") {
    if (/Id$/.test(name) && /^[a-zA-Z0-9]{15,18}$/.test(sample)) return "reference";
    if (/^\d{4}-\d{2}-\d{2}T/.test(sample)) return "datetime";
    if (/^\d{4}-\d{2}-\d{2}$/.test(sample)) return "date";
    if (name === "Website" || /^https?:\/\//.test(sample)) return "url";
    if (PICKLISTS.test(name)) return "picklist";
  }
  return "string";
}

/** Picklist values Salesforce would list: the distinct values the world holds, or a default set. */
function picklistValues(name: string, rows: readonly Rec[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (typeof r[name] === "string") seen.add(r[name]);
  if (name === "Billing_Status__c")
    for (const v of ["current", "overdue", "churned", "no_billing"]) seen.add(v);
  if (name === "Support_Tier__c") for (const v of ["none", "standard", "premium"]) seen.add(v);
  return [...seen].sort();
}

interface Cursor {
  locator?: string;
  rows: Rec[];
  batch: number;
  /** Emulated time the query ran: locators expire two days later (API 56+). */
  openedAt: number;
}

/** Salesforce keeps 10 open query cursors per user and releases the oldest for an 11th. */
const MAX_OPEN_CURSORS = 10;
const CURSOR_TTL_MS = 2 * 86_400_000;

class SalesforceEmulator implements Emulator {
  readonly system = "salesforce" as const;
  /** API calls per emulated minute: the quota is a rolling 24 hours, as Salesforce counts it. */
  private readonly usage = new Map<number, number>();
  private readonly cursors = new Map<string, Cursor>();
  private locators = 0;
  private readonly describes = new Map<string, { name: string; type: string; picklist: string[] }[]>();
  /** Records created through the API (upserts), for their ids. */
  private created = 0;

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
      return this.query(
        q,
        rest[0] === "queryAll",
        version,
        batch ? Math.min(2000, Math.max(200, Number(batch[1]))) : DEFAULT_BATCH,
      );
    }
    if ((rest[0] === "query" || rest[0] === "queryAll") && rest.length === 2 && req.method === "GET")
      return this.more(rest[1]!, version);
    if (rest[0] === "composite" && rest[1] === "sobjects" && rest.length === 2 && req.method === "PATCH")
      return this.collection(req.body);
    if (rest[0] === "composite" && rest[1] === "sobjects" && rest.length === 4 && req.method === "PATCH")
      return this.upsertCollection(rest[2]!, rest[3]!, req.body);
    if (rest[0] === "composite" && rest[1] === "sobjects" && rest.length === 2 && req.method === "DELETE")
      return this.deleteCollection(req.query.ids);
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
        if (req.method === "GET") {
          const wanted = typeof req.query.fields === "string" ? req.query.fields.split(",") : undefined;
          const fields = wanted
            ? canonicalFields(
                { count: false, object, fields: wanted.map((f) => f.trim()), orderBy: [] },
                this.describe(object).map((f) => f.name),
              ).fields
            : undefined;
          return { status: 200, body: this.withAttributes(rec, object, version, fields) };
        }
        if (req.method === "PATCH") {
          const problems = this.invalidFields(object, req.body as Rec);
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

  private describe(object: string): { name: string; type: string; picklist: string[] }[] {
    let d = this.describes.get(object);
    if (!d) {
      const rows = this.ctx.store.list("salesforce", object);
      // The object's standard fields are listed whatever the world's records hold (null in every
      // one, or absent from an older world), as an org's describe lists them.
      const listed: Readonly<Record<string, string>> =
        object in SALESFORCE_FIELDS
          ? {
              ...SALESFORCE_FIELDS[object as keyof typeof SALESFORCE_FIELDS].standard,
              ...SALESFORCE_FIELDS[object as keyof typeof SALESFORCE_FIELDS].custom,
            }
          : {};
      const names = new Set<string>([
        "Id",
        "IsDeleted",
        "CreatedDate",
        "SystemModstamp",
        ...Object.keys(listed),
      ]);
      for (const r of rows) for (const k of Object.keys(r)) if (!k.startsWith("__")) names.add(k);
      d = [...names].map((name) => {
        const type =
          listed[name] ??
          typeOf(
            name,
            rows.map((r) => r[name]),
          );
        return { name, type, picklist: type === "picklist" ? picklistValues(name, rows) : [] };
      });
      this.describes.set(object, d);
    }
    return d;
  }

  private describeField(f: { name: string; type: string; picklist: string[] }): Rec {
    return {
      name: f.name,
      label: f.name.replace(/__c$/, "").replace(/_/g, " "),
      type: f.type,
      soapType: SOAP_TYPES[f.type] ?? "xsd:string",
      custom: f.name.endsWith("__c"),
      // `…_Key__c` fields are external ids (unique, usable as an upsert key), as an admin sets them up.
      externalId: EXTERNAL_ID.test(f.name),
      idLookup: f.name === "Id" || EXTERNAL_ID.test(f.name),
      unique: EXTERNAL_ID.test(f.name),
      updateable: !READ_ONLY.has(f.name),
      createable: !READ_ONLY.has(f.name),
      filterable: true,
      sortable: true,
      nillable: f.name !== "Id" && f.name !== "Name" && f.type !== "boolean",
      length: FIELD_LENGTH[f.type] ?? 0,
      precision: f.type === "currency" ? 18 : 0,
      scale: f.type === "currency" ? 2 : 0,
      referenceTo: f.type === "reference" ? [REFERENCE_TO[f.name] ?? f.name.replace(/Id$/, "")] : [],
      picklistValues: f.picklist.map((value) => ({ value, label: value, active: true, defaultValue: false })),
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
    const raw = parseSoql(q);
    const object = this.ctx.store
      .objects("salesforce")
      .find((o) => o.toLowerCase() === raw.object.toLowerCase());
    if (!object) return sfError(400, "INVALID_TYPE", `sObject type '${raw.object}' is not supported.`);
    const parsed = canonicalFields(
      { ...raw, object },
      this.describe(object).map((f) => f.name),
    );
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
    return this.pageOf({ rows: snapshot, batch, openedAt: this.ctx.store.now().getTime() }, 0, version);
  }

  private pageOf(c: Cursor, offset: number, version: string): SandboxResponse {
    const records = c.rows.slice(offset, offset + c.batch);
    const done = offset + c.batch >= c.rows.length;
    const body: Rec = { totalSize: c.rows.length, done, records };
    if (!done) {
      if (!c.locator) {
        c.locator = `01g${(++this.locators).toString(16).toUpperCase().padStart(15, "0")}`;
        this.cursors.set(c.locator, c);
        for (const old of this.cursors.keys()) {
          if (this.cursors.size <= MAX_OPEN_CURSORS) break;
          this.cursors.delete(old);
        }
      }
      body.nextRecordsUrl = `/services/data/${version}/query/${c.locator}-${offset + c.batch}`;
    }
    return { status: 200, body };
  }

  private more(token: string, version: string): SandboxResponse {
    const m = /^(01g[0-9A-F]+)-(\d+)$/.exec(token);
    const c = m ? this.cursors.get(m[1]!) : undefined;
    if (!m || !c || this.ctx.store.now().getTime() - c.openedAt > CURSOR_TTL_MS) {
      if (m) this.cursors.delete(m[1]!);
      return sfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    // A locator stays valid until it expires or is released: a client may ask for a page again.
    return this.pageOf(c, Number(m[2]), version);
  }

  /**
   * `PATCH composite/sobjects/{object}/{externalIdField}`: upsert up to 200 records by an
   * external-id field; each result says whether the record was created.
   */
  private upsertCollection(object: string, keyField: string, body: unknown): SandboxResponse {
    if (!this.ctx.store.objects("salesforce").includes(object))
      return sfError(404, "NOT_FOUND", `sObject type '${object}' is not supported.`);
    const field = this.describe(object).find((f) => f.name === keyField);
    if (!field || !EXTERNAL_ID.test(keyField))
      return sfError(
        400,
        "INVALID_FIELD",
        `Field name provided, ${keyField} is not an External ID or indexed field for ${object}`,
      );
    const records = (body as { records?: Rec[] } | undefined)?.records;
    if (!Array.isArray(records)) return sfError(400, "JSON_PARSER_ERROR", "records must be an array");
    if (records.length > MAX_COLLECTION) return tooManyRecords();
    const now = this.ctx.store.now();
    const results = records.map((r) => {
      const key = r[keyField];
      if (typeof key !== "string" || key === "")
        return sfFail(null, "MISSING_ARGUMENT", `${keyField} not specified`, [keyField]);
      const problems = this.invalidFields(object, r);
      if (problems.length) return { id: null, success: false, errors: problems };
      const matches = this.ctx.store
        .list("salesforce", object)
        .filter((x) => x.IsDeleted !== true && x[keyField] === key);
      if (matches.length > 1)
        return sfFail(null, "DUPLICATE_EXTERNAL_ID", `${keyField}: more than one record found for ${key}`, [
          keyField,
        ]);
      const patch: Rec = {};
      for (const [k, v] of Object.entries(r))
        if (k !== "attributes" && k !== "id" && k !== "Id") patch[k] = v;
      if (matches.length === 1) {
        const id = String(matches[0]!.Id);
        this.ctx.store.patch("salesforce", object, id, patch, now);
        return { id, success: true, errors: [], created: false };
      }
      const missing = (REQUIRED_ON_CREATE[object] ?? []).filter((f) => patch[f] == null || patch[f] === "");
      if (missing.length)
        return sfFail(
          null,
          "REQUIRED_FIELD_MISSING",
          `Required fields are missing: [${missing.join(", ")}]`,
          missing,
        );
      const id = `${ID_PREFIX[object] ?? "a00"}TU${String(++this.created).padStart(10, "0")}AAA`;
      const rec: Rec = {};
      for (const f of this.describe(object)) rec[f.name] = null;
      Object.assign(rec, patch, {
        Id: id,
        IsDeleted: false,
        CreatedDate: salesforceTime(now),
        SystemModstamp: salesforceTime(now),
      });
      this.ctx.store.put("salesforce", object, rec, now);
      return { id, success: true, errors: [], created: true };
    });
    return { status: 200, body: results };
  }

  /** `DELETE composite/sobjects?ids=…&allOrNone=false`: up to 200 records, moved to the recycle bin. */
  private deleteCollection(idsParam: unknown): SandboxResponse {
    const ids = (Array.isArray(idsParam) ? idsParam.join(",") : String(idsParam ?? ""))
      .split(",")
      .filter(Boolean);
    if (!ids.length) return sfError(400, "MISSING_ARGUMENT", "ids not specified");
    if (ids.length > MAX_COLLECTION) return tooManyRecords();
    const results = ids.map((id) => {
      const object = this.ctx.store
        .objects("salesforce")
        .find((o) => this.ctx.store.get("salesforce", o, id));
      const rec = object ? this.ctx.store.get("salesforce", object, id) : undefined;
      if (!object || !rec) return sfFail(id, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
      if (rec.IsDeleted === true) return sfFail(id, "ENTITY_IS_DELETED", "entity is deleted");
      this.ctx.store.remove("salesforce", object, id);
      return { id, success: true, errors: [] };
    });
    return { status: 200, body: results };
  }

  /** `PATCH composite/sobjects`: up to 200 records, one result each, in request order. */
  private collection(body: unknown): SandboxResponse {
    const b = body as { allOrNone?: boolean; records?: Rec[] } | undefined;
    const records = b?.records;
    if (!Array.isArray(records)) return sfError(400, "JSON_PARSER_ERROR", "records must be an array");
    if (records.length > MAX_COLLECTION) return tooManyRecords();
    type Result = { id: string; success: boolean; errors: Rec[]; object?: string };
    const results = records.map((r): Result => {
      const object = (r.attributes as { type?: string } | undefined)?.type;
      const id = String(r.id ?? r.Id ?? "");
      if (!object)
        return {
          id,
          success: false,
          errors: [{ statusCode: "INVALID_TYPE", message: "attributes.type is required", fields: [] }],
        };
      const rec = this.ctx.store.get("salesforce", object, id);
      const fail = (statusCode: string, message: string, fields: string[] = []) => ({
        id,
        success: false,
        errors: [{ statusCode, message, fields }],
      });
      if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id))
        return fail("MALFORMED_ID", `${object} ID: id value of incorrect type: ${id}`, ["Id"]);
      if (rec?.IsDeleted === true) return fail("ENTITY_IS_DELETED", "entity is deleted");
      if (!rec) return fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
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

/** A collection call over 200 records is refused whole. */
function tooManyRecords(): SandboxResponse {
  return sfError(
    400,
    "EXCEEDED_ID_LIMIT",
    `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
  );
}

function sfFail(id: string | null, statusCode: string, message: string, fields: string[] = []) {
  return { id, success: false, errors: [{ statusCode, message, fields }] };
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
