import { HttpError } from "../../../extract/http/errors.js";
import type { HttpClient } from "../../../extract/http/interfaces.js";
import type {
  Destination,
  FieldValues,
  RecordChange,
  UpsertOutcome,
  WriteOutcome,
} from "../../interfaces.js";
import { validateFields, type FieldType } from "../payload.js";

interface PropertyDefinition {
  name: string;
  type: string;
  fieldType?: string;
  calculated?: boolean;
  options?: { value: string; hidden?: boolean }[];
  modificationMetadata?: { readOnlyValue?: boolean };
}

interface BatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: { ids?: string[] };
}

/** A batch answer: 200 when every input succeeded, 207 with `errors` naming the ids that did not. */
interface BatchAnswer {
  status?: string;
  results?: { id: string; properties?: Record<string, string | null> }[];
  errors?: BatchError[];
}

/** The CRM objects this destination writes (HubSpot's names for them in the v3 API). */
const OBJECTS = new Set(["companies", "deals"]);
/** HubSpot record ids are numbers (sent as strings); anything else is never sent. */
const HS_ID = /^\d+$/;

function kindOf(p: PropertyDefinition): FieldType["kind"] {
  switch (p.type) {
    case "number":
      return "number";
    case "date":
      return "date";
    case "datetime":
      return "datetime";
    case "bool":
      return "boolean";
    case "enumeration":
      if (p.fieldType === "checkbox") return "list"; // multiple checkboxes: `a;b`
      return p.options?.length ? "enum" : "string";
    default:
      return "string";
  }
}

/**
 * A value as HubSpot takes it: every property value is a string. Numbers as JavaScript writes
 * them, booleans `true`/`false`, dates as `YYYY-MM-DD` (as the model gives them: HubSpot also
 * takes midnight UTC in epoch ms, and returns `YYYY-MM-DD`), lists joined by `;`, and null as
 * `""`, which is how HubSpot clears a value.
 */
export function toHubspot(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(String).join(";");
  return String(value);
}

/** A value as HubSpot returns it, in the model's terms: `""` is no value, lists split on `;`. */
function fromHubspot(value: string | null | undefined, kind: FieldType["kind"] | undefined): unknown {
  if (value === null || value === undefined || value === "") return null;
  return kind === "list" ? value.split(";") : value;
}

/** The first error of a batch answer naming `id`, as `CATEGORY: message`. */
function batchError(errors: BatchError[], id: string): string {
  const e = errors.find((x) => x.context?.ids?.includes(id));
  return e ? `${e.category ?? "ERROR"}: ${e.message ?? "rejected"}` : "no result for this record";
}

/**
 * Writes companies (and deals) through `POST /crm/v3/objects/{object}/batch/update`, 100 inputs a
 * call, each `{id, properties}` with string values; ids HubSpot does not have come back in the
 * 207's errors, the others are written. Reads current values with `batch/read` for
 * read-before-write and read-back; property types come from the Properties API. Updates by
 * record id only (mode update).
 */
export class HubspotDestination implements Destination {
  readonly system = "hubspot" as const;
  readonly maxBatch = 100;
  writeCalls = 0;
  private readonly definitions = new Map<string, Promise<Map<string, FieldType>>>();

  constructor(private readonly http: HttpClient) {}

  private checkObject(object: string): void {
    if (!OBJECTS.has(object))
      throw new Error(`the HubSpot destination writes ${[...OBJECTS].join(" and ")}, not ${object}`);
  }

  fieldTypes(object: string): Promise<Map<string, FieldType>> {
    this.checkObject(object);
    let p = this.definitions.get(object);
    if (!p) {
      p = this.http.request<{ results: PropertyDefinition[] }>({ path: `/crm/v3/properties/${object}` }).then(
        (r) =>
          new Map(
            r.body.results.map((d) => [
              d.name,
              {
                kind: kindOf(d),
                updateable: d.modificationMetadata?.readOnlyValue !== true && d.calculated !== true,
                nillable: true,
                values: d.options?.filter((o) => !o.hidden).map((o) => o.value),
              },
            ]),
          ),
      );
      this.definitions.set(object, p);
      p.catch(() => this.definitions.delete(object));
    }
    return p;
  }

  async read(object: string, ids: string[], fields: string[]): Promise<Map<string, FieldValues>> {
    const types = await this.fieldTypes(object);
    const out = new Map<string, FieldValues>();
    const valid = [...new Set(ids.filter((id) => HS_ID.test(id)))];
    for (let i = 0; i < valid.length; i += 100) {
      const chunk = valid.slice(i, i + 100);
      let answer: BatchAnswer;
      try {
        const res = await this.http.request<BatchAnswer>({
          method: "POST",
          path: `/crm/v3/objects/${object}/batch/read`,
          body: { properties: fields, inputs: chunk.map((id) => ({ id })) },
        });
        answer = res.body;
      } catch (err) {
        // None of the ids exists: some HubSpot answers are then a 404 rather than a 207.
        if (err instanceof HttpError && err.status === 404) continue;
        throw err;
      }
      for (const r of answer.results ?? []) {
        const values: FieldValues = {};
        for (const f of fields) values[f] = fromHubspot(r.properties?.[f], types.get(f)?.kind);
        out.set(String(r.id), values);
      }
    }
    return out;
  }

  async write(object: string, changes: RecordChange[]): Promise<WriteOutcome[]> {
    this.checkObject(object);
    if (changes.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} records per call`);
    const out = new Map<string, WriteOutcome>();
    const valid = changes.filter((c) => HS_ID.test(c.recordId));
    for (const c of changes)
      if (!HS_ID.test(c.recordId))
        out.set(c.recordId, { recordId: c.recordId, ok: false, error: `not a HubSpot id: ${c.recordId}` });
    if (valid.length) {
      this.writeCalls++;
      let answer: BatchAnswer;
      try {
        const res = await this.http.request<BatchAnswer>({
          method: "POST",
          path: `/crm/v3/objects/${object}/batch/update`,
          idempotent: false,
          body: {
            inputs: valid.map((c) => ({
              id: c.recordId,
              properties: Object.fromEntries(Object.entries(c.fields).map(([f, v]) => [f, toHubspot(v)])),
            })),
          },
        });
        answer = res.body;
      } catch (err) {
        // A validation error refuses the whole batch before anything is written.
        if (!(err instanceof HttpError && err.status === 400)) throw err;
        for (const c of valid) out.set(c.recordId, { recordId: c.recordId, ok: false, error: err.message });
        return changes.map((c) => out.get(c.recordId)!);
      }
      const written = new Set((answer.results ?? []).map((r) => String(r.id)));
      for (const c of valid)
        out.set(
          c.recordId,
          written.has(c.recordId)
            ? { recordId: c.recordId, ok: true, responseId: c.recordId }
            : { recordId: c.recordId, ok: false, error: batchError(answer.errors ?? [], c.recordId) },
        );
    }
    return changes.map((c) => out.get(c.recordId)!);
  }

  private updateOnly(what: string): never {
    throw new Error(`the HubSpot destination updates records by their id (mode update); it does not ${what}`);
  }

  readByKey(): Promise<Map<string, { id: string; values: FieldValues }>> {
    return this.updateOnly("find records by an external key");
  }

  upsert(): Promise<UpsertOutcome[]> {
    return this.updateOnly("create records");
  }

  remove(): Promise<WriteOutcome[]> {
    return this.updateOnly("delete records");
  }

  /** The object's size from a one-result search (`total`), for the circuit breaker. */
  async count(object: string): Promise<number> {
    this.checkObject(object);
    const res = await this.http.request<{ total: number }>({
      method: "POST",
      path: `/crm/v3/objects/${object}/search`,
      body: { limit: 1, properties: ["hs_object_id"] },
    });
    return res.body.total;
  }

  async validate(object: string, fields: FieldValues): Promise<string[]> {
    return validateFields(await this.fieldTypes(object), fields, `HubSpot ${object}`);
  }
}
