import type { HttpClient } from "../../../extract/http/interfaces.js";
import type {
  Destination,
  FieldValues,
  KeyedChange,
  RecordChange,
  UpsertOutcome,
  WriteOutcome,
} from "../../interfaces.js";
import { validateFields, type FieldType } from "../payload.js";

interface DescribeField {
  name: string;
  type: string;
  updateable?: boolean;
  nillable?: boolean;
  length?: number;
  picklistValues?: { value: string; active?: boolean }[];
}

interface QueryResult {
  totalSize: number;
  done: boolean;
  records: Record<string, unknown>[];
  nextRecordsUrl?: string;
}

interface CollectionResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; message?: string; fields?: string[] }[];
}

/** Salesforce ids are 15 or 18 alphanumerics; anything else never reaches a SOQL string. */
const SF_ID = /^[a-zA-Z0-9]{15,18}$/;
const SF_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The first error of a collection result, as `CODE: message (fields)`. */
function collectionError(r: CollectionResult | undefined): string {
  const e = r?.errors?.[0];
  return e
    ? `${e.statusCode ?? "ERROR"}: ${e.message ?? "rejected"}${e.fields?.length ? ` (${e.fields.join(", ")})` : ""}`
    : "no result for this record";
}

/** A SOQL string literal (backslash and quote escaped, as SOQL requires). */
function soqlString(v: string): string {
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function kindOf(f: DescribeField): FieldType["kind"] {
  switch (f.type) {
    case "double":
    case "currency":
    case "percent":
      return "number";
    case "int":
      return "integer";
    case "date":
      return "date";
    case "datetime":
      return "datetime";
    case "boolean":
      return "boolean";
    case "picklist":
      return f.picklistValues?.length ? "enum" : "string";
    default:
      return "string";
  }
}

/**
 * Writes through `composite/sobjects` collections (200 records a call, `allOrNone: false`, a
 * result per record); reads current values with SOQL for read-before-write and read-back.
 */
export class SalesforceDestination implements Destination {
  readonly system = "salesforce" as const;
  readonly maxBatch = 200;
  writeCalls = 0;
  private readonly describes = new Map<string, Promise<Map<string, FieldType>>>();

  constructor(
    private readonly http: HttpClient,
    private readonly apiVersion = "v61.0",
  ) {}

  private path(rest: string): string {
    return `/services/data/${this.apiVersion}/${rest}`;
  }

  fieldTypes(object: string): Promise<Map<string, FieldType>> {
    let p = this.describes.get(object);
    if (!p) {
      p = this.http
        .request<{ fields: DescribeField[] }>({ path: this.path(`sobjects/${object}/describe`) })
        .then(
          (r) =>
            new Map(
              r.body.fields.map((f) => [
                f.name,
                {
                  kind: kindOf(f),
                  updateable: f.updateable !== false,
                  nillable: f.nillable !== false,
                  maxLength: f.type === "string" || f.type === "textarea" ? f.length || undefined : undefined,
                  values: f.picklistValues?.filter((v) => v.active !== false).map((v) => v.value),
                },
              ]),
            ),
        );
      this.describes.set(object, p);
      p.catch(() => this.describes.delete(object));
    }
    return p;
  }

  private async soql(q: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let res = await this.http.request<QueryResult>({ path: this.path("query"), query: { q } });
    out.push(...res.body.records);
    while (!res.body.done && res.body.nextRecordsUrl) {
      res = await this.http.request<QueryResult>({ path: res.body.nextRecordsUrl });
      out.push(...res.body.records);
    }
    return out;
  }

  async read(object: string, ids: string[], fields: string[]): Promise<Map<string, FieldValues>> {
    for (const f of [object, ...fields]) if (!SF_NAME.test(f)) throw new Error(`not a Salesforce name: ${f}`);
    const out = new Map<string, FieldValues>();
    const valid = ids.filter((id) => SF_ID.test(id));
    for (let i = 0; i < valid.length; i += 200) {
      const chunk = valid.slice(i, i + 200);
      const rows = await this.soql(
        `SELECT Id, ${fields.join(", ")} FROM ${object} WHERE Id IN (${chunk.map((id) => `'${id}'`).join(", ")})`,
      );
      for (const r of rows) {
        const values: FieldValues = {};
        for (const f of fields) values[f] = r[f] ?? null;
        out.set(String(r.Id), values);
      }
    }
    return out;
  }

  async readByKey(
    object: string,
    keyField: string,
    keys: string[],
    fields: string[],
  ): Promise<Map<string, { id: string; values: FieldValues }>> {
    for (const f of [object, keyField, ...fields])
      if (!SF_NAME.test(f)) throw new Error(`not a Salesforce name: ${f}`);
    const out = new Map<string, { id: string; values: FieldValues }>();
    const select = [...new Set(["Id", keyField, ...fields])].join(", ");
    for (let i = 0; i < keys.length; i += 200) {
      const chunk = keys.slice(i, i + 200);
      const rows = await this.soql(
        `SELECT ${select} FROM ${object} WHERE ${keyField} IN (${chunk.map(soqlString).join(", ")})`,
      );
      for (const r of rows) {
        const values: FieldValues = {};
        for (const f of fields) values[f] = r[f] ?? null;
        out.set(String(r[keyField]), { id: String(r.Id), values });
      }
    }
    return out;
  }

  /** `PATCH composite/sobjects/{object}/{keyField}`: one call creates or updates up to 200 records. */
  async upsert(object: string, keyField: string, changes: KeyedChange[]): Promise<UpsertOutcome[]> {
    if (changes.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} records per call`);
    for (const f of [object, keyField]) if (!SF_NAME.test(f)) throw new Error(`not a Salesforce name: ${f}`);
    this.writeCalls++;
    const res = await this.http.request<CollectionResult[]>({
      method: "PATCH",
      path: this.path(`composite/sobjects/${object}/${keyField}`),
      idempotent: false,
      body: {
        allOrNone: false,
        records: changes.map((c) => ({ attributes: { type: object }, ...c.fields, [keyField]: c.recordId })),
      },
    });
    return changes.map((c, i) => {
      const r = res.body[i];
      if (r?.success && r.id)
        return {
          recordId: c.recordId,
          ok: true,
          responseId: r.id,
          destinationId: r.id,
          created: r.created === true,
        };
      return { recordId: c.recordId, ok: false, error: collectionError(r) };
    });
  }

  /** `DELETE composite/sobjects?ids=…`: up to 200 records a call, each with its own result. */
  async remove(object: string, ids: string[]): Promise<WriteOutcome[]> {
    if (ids.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} records per call`);
    const valid = ids.filter((id) => SF_ID.test(id));
    const out = new Map<string, WriteOutcome>();
    for (const id of ids)
      if (!SF_ID.test(id)) out.set(id, { recordId: id, ok: false, error: `not a Salesforce id: ${id}` });
    if (valid.length) {
      this.writeCalls++;
      const res = await this.http.request<CollectionResult[]>({
        method: "DELETE",
        path: this.path("composite/sobjects"),
        query: { ids: valid.join(","), allOrNone: "false" },
        idempotent: false,
      });
      valid.forEach((id, i) => {
        const r = res.body[i];
        out.set(
          id,
          r?.success
            ? { recordId: id, ok: true, responseId: id }
            : { recordId: id, ok: false, error: collectionError(r) },
        );
      });
    }
    void object;
    return ids.map((id) => out.get(id)!);
  }

  async write(object: string, changes: RecordChange[]): Promise<WriteOutcome[]> {
    if (changes.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} records per call`);
    this.writeCalls++;
    const res = await this.http.request<CollectionResult[]>({
      method: "PATCH",
      path: this.path("composite/sobjects"),
      idempotent: false,
      body: {
        allOrNone: false,
        records: changes.map((c) => ({ attributes: { type: object }, id: c.recordId, ...c.fields })),
      },
    });
    // Results come back in request order, one per record.
    return changes.map((c, i) => {
      const r = res.body[i];
      if (r?.success) return { recordId: c.recordId, ok: true, responseId: r.id ?? c.recordId };
      return { recordId: c.recordId, ok: false, error: collectionError(r) };
    });
  }

  async count(object: string): Promise<number> {
    if (!SF_NAME.test(object)) throw new Error(`not a Salesforce name: ${object}`);
    const res = await this.http.request<QueryResult>({
      path: this.path("query"),
      query: { q: `SELECT COUNT() FROM ${object}` },
    });
    return res.body.totalSize;
  }

  async validate(object: string, fields: FieldValues): Promise<string[]> {
    return validateFields(await this.fieldTypes(object), fields, `Salesforce ${object}`);
  }
}
