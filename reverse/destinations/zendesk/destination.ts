import type { HttpClient } from "../../../extract/http/interfaces.js";
import type { Destination, FieldValues, RecordChange, WriteOutcome } from "../../interfaces.js";
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

  async write(object: string, changes: RecordChange[]): Promise<WriteOutcome[]> {
    this.checkObject(object);
    if (changes.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} organizations per call`);
    this.writeCalls++;
    const organizations = changes.map((c) => {
      const org: Record<string, unknown> = { id: Number(c.recordId) };
      for (const [f, v] of Object.entries(c.fields)) setPath(org, f, v);
      return org;
    });
    const res = await this.http.request<{ job_status: JobStatus }>({
      method: "PUT",
      path: "/api/v2/organizations/update_many.json",
      idempotent: false,
      body: { organizations },
    });
    const job = await this.waitForJob(res.body.job_status);
    const byId = new Map<string, NonNullable<JobStatus["results"]>[number]>();
    for (const r of job.results ?? []) {
      const id =
        r.id !== undefined ? String(r.id) : r.index !== undefined ? changes[r.index]?.recordId : undefined;
      if (id) byId.set(id, r);
    }
    return changes.map((c) => {
      const r = byId.get(c.recordId);
      const ok = job.status === "completed" && r !== undefined && r.success !== false && !r.error;
      return ok
        ? { recordId: c.recordId, ok: true, responseId: job.id }
        : {
            recordId: c.recordId,
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
