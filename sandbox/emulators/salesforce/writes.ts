import { salesforceTime, type MemoryWorldStore } from "../store.js";
import type { SandboxResponse } from "../interfaces.js";
import { MAX_COLLECTION, sfError, sfFail, tooManyRecords } from "./responses.js";
import { EXTERNAL_ID, type SalesforceSchema } from "./schema.js";

type Rec = Record<string, unknown>;

const ID_PREFIX: Record<string, string> = { Account: "001", Contact: "003", Opportunity: "006" };
/** Fields Salesforce requires on insert. */
const REQUIRED_ON_CREATE: Record<string, string[]> = {
  Account: ["Name"],
  Opportunity: ["Name", "StageName"],
};

/** The composite sObject collections: update, upsert by an external id, delete; 200 records a call. */
export class SalesforceWrites {
  /** Records created through the API (upserts), for their ids. */
  private created = 0;

  constructor(
    private readonly store: MemoryWorldStore,
    private readonly schema: SalesforceSchema,
  ) {}

  /**
   * `PATCH composite/sobjects/{object}/{externalIdField}`: upsert up to 200 records by an
   * external-id field; each result says whether the record was created.
   */
  upsertCollection(object: string, keyField: string, body: unknown): SandboxResponse {
    if (!this.store.objects("salesforce").includes(object))
      return sfError(404, "NOT_FOUND", `sObject type '${object}' is not supported.`);
    const field = this.schema.describe(object).find((f) => f.name === keyField);
    if (!field || !EXTERNAL_ID.test(keyField))
      return sfError(
        400,
        "INVALID_FIELD",
        `Field name provided, ${keyField} is not an External ID or indexed field for ${object}`,
      );
    const records = (body as { records?: Rec[] } | undefined)?.records;
    if (!Array.isArray(records)) return sfError(400, "JSON_PARSER_ERROR", "records must be an array");
    if (records.length > MAX_COLLECTION) return tooManyRecords();
    const now = this.store.now();
    const results = records.map((r) => {
      const key = r[keyField];
      if (typeof key !== "string" || key === "")
        return sfFail(null, "MISSING_ARGUMENT", `${keyField} not specified`, [keyField]);
      const problems = this.schema.invalidFields(object, r);
      if (problems.length) return { id: null, success: false, errors: problems };
      const matches = this.store
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
        this.store.patch("salesforce", object, id, patch, now);
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
      for (const f of this.schema.describe(object)) rec[f.name] = null;
      Object.assign(rec, patch, {
        Id: id,
        IsDeleted: false,
        CreatedDate: salesforceTime(now),
        SystemModstamp: salesforceTime(now),
      });
      this.store.put("salesforce", object, rec, now);
      return { id, success: true, errors: [], created: true };
    });
    return { status: 200, body: results };
  }

  /** `DELETE composite/sobjects?ids=…&allOrNone=false`: up to 200 records, moved to the recycle bin. */
  deleteCollection(idsParam: unknown): SandboxResponse {
    const ids = (Array.isArray(idsParam) ? idsParam.join(",") : String(idsParam ?? ""))
      .split(",")
      .filter(Boolean);
    if (!ids.length) return sfError(400, "MISSING_ARGUMENT", "ids not specified");
    if (ids.length > MAX_COLLECTION) return tooManyRecords();
    const results = ids.map((id) => {
      const object = this.store.objects("salesforce").find((o) => this.store.get("salesforce", o, id));
      const rec = object ? this.store.get("salesforce", object, id) : undefined;
      if (!object || !rec) return sfFail(id, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
      if (rec.IsDeleted === true) return sfFail(id, "ENTITY_IS_DELETED", "entity is deleted");
      this.store.remove("salesforce", object, id);
      return { id, success: true, errors: [] };
    });
    return { status: 200, body: results };
  }

  /** `PATCH composite/sobjects`: up to 200 records, one result each, in request order. */
  collection(body: unknown): SandboxResponse {
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
      const rec = this.store.get("salesforce", object, id);
      const fail = (statusCode: string, message: string, fields: string[] = []) => ({
        id,
        success: false,
        errors: [{ statusCode, message, fields }],
      });
      if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id))
        return fail("MALFORMED_ID", `${object} ID: id value of incorrect type: ${id}`, ["Id"]);
      if (rec?.IsDeleted === true) return fail("ENTITY_IS_DELETED", "entity is deleted");
      if (!rec) return fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
      const problems = this.schema.invalidFields(object, r);
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
    const now = this.store.now();
    records.forEach((r, i) => {
      const res = results[i]!;
      if (!res.success) return;
      const patch: Rec = {};
      for (const [k, v] of Object.entries(r))
        if (k !== "attributes" && k !== "id" && k !== "Id") patch[k] = v;
      this.store.patch("salesforce", res.object!, res.id, patch, now);
    });
    return { status: 200, body: results.map(({ id, success, errors }) => ({ id, success, errors })) };
  }
}
