import type { HttpClient } from "../../../extract/http/interfaces.js";
import type {
  Destination,
  FieldValues,
  KeyedChange,
  RecordChange,
  UpsertOutcome,
  WriteOutcome,
} from "../../interfaces.js";
import { getPath, setPath, validateFields, type FieldType } from "../payload.js";

interface OrganizationField {
  key: string;
  type: string;
  active?: boolean;
  custom_field_options?: { value: string }[];
}

interface JobStatus {
  id: string;
  status: "queued" | "working" | "completed" | "failed" | "killed";
  message?: string | null;
  results?: {
    id?: number | string;
    index?: number;
    success?: boolean;
    status?: string;
    error?: string;
    details?: string;
  }[];
}

/** Built-in organization fields trueup may write (custom ones come from organization_fields). */
const SYSTEM_FIELDS: Record<string, FieldType> = {
  name: { kind: "string", updateable: true, nillable: false },
  details: { kind: "string", updateable: true, nillable: true },
  notes: { kind: "string", updateable: true, nillable: true },
  external_id: { kind: "string", updateable: true, nillable: true },
  tags: { kind: "list", updateable: true, nillable: false },
  domain_names: { kind: "list", updateable: true, nillable: false },
};

function kindOf(f: OrganizationField): FieldType["kind"] {
  switch (f.type) {
    case "decimal":
      return "number";
    case "integer":
      return "integer";
    case "date":
      return "date";
    case "checkbox":
      return "boolean";
    case "dropdown":
    case "tagger":
      return "enum";
    default:
      return "string";
  }
}

/**
 * Writes organizations through `update_many` (100 a call) and polls the job status it returns
 * until it completes; each job result says whether that organization was updated. Reads use
 * `show_many` (100 ids a call).
 */
export class ZendeskDestination implements Destination {
  readonly system = "zendesk" as const;
  readonly maxBatch = 100;
  writeCalls = 0;
  private types?: Promise<Map<string, FieldType>>;

  constructor(
    private readonly http: HttpClient,
    private readonly poll = { intervalMs: 250, timeoutMs: 120_000 },
  ) {}

  fieldTypes(): Promise<Map<string, FieldType>> {
    this.types ??= this.http
      .request<{ organization_fields: OrganizationField[] }>({ path: "/api/v2/organization_fields.json" })
      .then((r) => {
        const m = new Map<string, FieldType>(Object.entries(SYSTEM_FIELDS));
        for (const f of r.body.organization_fields) {
          if (f.active === false) continue;
          m.set(`organization_fields.${f.key}`, {
            kind: kindOf(f),
            updateable: true,
            nillable: true,
            values: f.custom_field_options?.map((o) => o.value),
          });
        }
        return m;
      });
    this.types.catch(() => (this.types = undefined));
    return this.types;
  }

  private checkObject(object: string): void {
    if (object !== "organizations")
      throw new Error(`the Zendesk destination writes organizations, not ${object}`);
  }

  async read(object: string, ids: string[], fields: string[]): Promise<Map<string, FieldValues>> {
    this.checkObject(object);
    const out = new Map<string, FieldValues>();
    const valid = ids.filter((id) => /^\d+$/.test(id));
    for (let i = 0; i < valid.length; i += 100) {
      const res = await this.http.request<{ organizations: Record<string, unknown>[] }>({
        path: "/api/v2/organizations/show_many.json",
        query: { ids: valid.slice(i, i + 100).join(",") },
      });
      for (const org of res.body.organizations) {
        const values: FieldValues = {};
        for (const f of fields) values[f] = getPath(org, f) ?? null;
        out.set(String(org.id), values);
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
    this.checkObject(object);
    if (keyField !== "external_id")
      throw new Error(`Zendesk organizations are found by external_id, not ${keyField}`);
    const out = new Map<string, { id: string; values: FieldValues }>();
    for (let i = 0; i < keys.length; i += 100) {
      const res = await this.http.request<{ organizations: Record<string, unknown>[] }>({
        path: "/api/v2/organizations/show_many.json",
        query: { external_ids: keys.slice(i, i + 100).join(",") },
      });
      for (const org of res.body.organizations) {
        const values: FieldValues = {};
        for (const f of fields) values[f] = getPath(org, f) ?? null;
        out.set(String(org.external_id), { id: String(org.id), values });
      }
    }
    return out;
  }

  async write(object: string, changes: RecordChange[]): Promise<WriteOutcome[]> {
    this.checkObject(object);
    if (changes.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} organizations per call`);
    const organizations = changes.map((c) => {
      const org: Record<string, unknown> = { id: Number(c.recordId) };
      for (const [f, v] of Object.entries(c.fields)) setPath(org, f, v);
      return org;
    });
    const results = await this.runJob(
      "PUT",
      "/api/v2/organizations/update_many.json",
      { organizations },
      changes.map((c) => c.recordId),
    );
    return results.map((r) => ({ ...r, recordId: r.key }));
  }

  /**
   * Existing organizations (found by external_id) go through `update_many`, new ones through
   * `create_many` with their external_id set: at most two jobs per batch.
   */
  async upsert(object: string, keyField: string, changes: KeyedChange[]): Promise<UpsertOutcome[]> {
    this.checkObject(object);
    if (keyField !== "external_id")
      throw new Error(`Zendesk organizations are upserted by external_id, not ${keyField}`);
    if (changes.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} organizations per call`);
    const existing = changes.filter((c) => c.destinationId);
    const fresh = changes.filter((c) => !c.destinationId);
    const out = new Map<string, UpsertOutcome>();
    if (existing.length) {
      const outcomes = await this.write(
        object,
        existing.map((c) => ({ recordId: c.destinationId!, fields: c.fields })),
      );
      existing.forEach((c, i) => {
        const o = outcomes[i]!;
        out.set(c.recordId, { ...o, recordId: c.recordId, destinationId: c.destinationId, created: false });
      });
    }
    if (fresh.length) {
      const organizations = fresh.map((c) => {
        const org: Record<string, unknown> = { external_id: c.recordId };
        for (const [f, v] of Object.entries(c.fields)) setPath(org, f, v);
        return org;
      });
      const results = await this.runJob(
        "POST",
        "/api/v2/organizations/create_many.json",
        { organizations },
        fresh.map((c) => c.recordId),
        true,
      );
      for (const r of results)
        out.set(r.key, { ...r, recordId: r.key, destinationId: r.resultId, created: r.ok });
    }
    return changes.map((c) => out.get(c.recordId)!);
  }

  /** `destroy_many` (100 ids a call), polled like every bulk job. */
  async remove(object: string, ids: string[]): Promise<WriteOutcome[]> {
    this.checkObject(object);
    if (ids.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} organizations per call`);
    const bad = ids.filter((id) => !/^\d+$/.test(id));
    if (bad.length) throw new Error(`not Zendesk organization ids: ${bad.join(", ")}`);
    const results = await this.runJob(
      "DELETE",
      "/api/v2/organizations/destroy_many.json",
      undefined,
      ids,
      false,
      { ids: ids.join(",") },
    );
    return results.map((r) => ({ ...r, recordId: r.key }));
  }

  /**
   * Starts a bulk job (one write call) and waits for it; matches each result to its input by
   * id (updates, deletes) or by index (creates, whose ids are new).
   */
  private async runJob(
    method: "PUT" | "POST" | "DELETE",
    path: string,
    body: unknown,
    keys: string[],
    byIndex = false,
    query?: Record<string, string>,
  ): Promise<{ key: string; ok: boolean; responseId: string; error?: string; resultId?: string }[]> {
    this.writeCalls++;
    const res = await this.http.request<{ job_status: JobStatus }>({
      method,
      path,
      query,
      idempotent: false,
      body,
    });
    const job = await this.waitForJob(res.body.job_status);
    const byKey = new Map<string, NonNullable<JobStatus["results"]>[number]>();
    for (const r of job.results ?? []) {
      const key =
        !byIndex && r.id !== undefined ? String(r.id) : r.index !== undefined ? keys[r.index] : undefined;
      if (key !== undefined) byKey.set(key, r);
    }
    return keys.map((key) => {
      const r = byKey.get(key);
      const ok = job.status === "completed" && r !== undefined && r.success !== false && !r.error;
      return ok
        ? { key, ok: true, responseId: job.id, resultId: r.id !== undefined ? String(r.id) : undefined }
        : {
            key,
            ok: false,
            responseId: job.id,
            error: r
              ? `${r.error ?? r.status ?? "failed"}${r.details ? `: ${r.details}` : ""}`
              : `job ${job.id} ${job.status}${job.message ? `: ${job.message}` : ""} without a result for this organization`,
          };
    });
  }

  private async waitForJob(first: JobStatus): Promise<JobStatus> {
    let job = first;
    const deadline = Date.now() + this.poll.timeoutMs;
    let delay = this.poll.intervalMs;
    while (job.status === "queued" || job.status === "working") {
      if (Date.now() > deadline)
        throw new Error(`Zendesk job ${job.id} still ${job.status} after ${this.poll.timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5_000);
      const res = await this.http.request<{ job_status: JobStatus }>({
        path: `/api/v2/job_statuses/${encodeURIComponent(job.id)}.json`,
      });
      job = res.body.job_status;
    }
    return job;
  }

  async count(object: string): Promise<number> {
    this.checkObject(object);
    const res = await this.http.request<{ count: { value: number } }>({
      path: "/api/v2/organizations/count.json",
    });
    return res.body.count.value;
  }

  async validate(object: string, fields: FieldValues): Promise<string[]> {
    this.checkObject(object);
    return validateFields(await this.fieldTypes(), fields, `Zendesk ${object}`);
  }
}
