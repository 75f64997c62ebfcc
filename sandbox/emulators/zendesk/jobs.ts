import type { EmulatorContext } from "../context.js";
import type { SandboxRequest, SandboxResponse } from "../interfaces.js";
import { mergePatch, zendeskTime } from "../store.js";
import { zdError } from "./errors.js";

type Rec = Record<string, unknown>;
export const UPDATE_MANY_MAX = 100;

interface Job {
  id: string;
  kind: "update" | "create" | "delete";
  status: "queued" | "working" | "completed";
  updates: Rec[];
  results?: Rec[];
  polls: number;
}

/**
 * The organizations' bulk calls (update_many, create_many, destroy_many): each starts a job that
 * completes after a few polls of its job status, as Zendesk's background jobs do.
 */
export class ZendeskJobs {
  private readonly jobs = new Map<string, Job>();
  private jobSeq = 0;

  constructor(private readonly ctx: EmulatorContext) {}

  private get store() {
    return this.ctx.store;
  }

  orgFields(): Rec[] {
    const keys = new Set<string>();
    for (const r of this.store.list("zendesk", "organizations").slice(0, 200))
      for (const k of Object.keys((r.organization_fields as Rec | undefined) ?? {})) keys.add(k);
    return [...keys].map((key, i) => {
      const type =
        key === "support_tier" ? "dropdown" : key === "arr" || key === "health_score" ? "decimal" : "text";
      return {
        id: 9000 + i,
        key,
        type,
        title: key.replace(/_/g, " "),
        active: true,
        ...(type === "dropdown"
          ? {
              custom_field_options: ["none", "standard", "premium"].map((v, j) => ({
                id: 9100 + j,
                name: v,
                value: v,
              })),
            }
          : {}),
      };
    });
  }

  updateMany(req: SandboxRequest, q: (k: string) => string | undefined): SandboxResponse {
    const body = req.body as { organizations?: Rec[]; organization?: Rec } | undefined;
    let updates: Rec[];
    if (Array.isArray(body?.organizations)) updates = body.organizations;
    else if (q("ids") && body?.organization)
      updates = q("ids")!
        .split(",")
        .map((id) => ({ ...body.organization, id: Number(id) }));
    else
      return zdError(
        400,
        "InvalidValue",
        "body must be {organizations: [...]} or ?ids= with {organization: {...}}",
      );
    if (updates.length > UPDATE_MANY_MAX)
      return zdError(400, "TooManyRecords", `update_many takes at most ${UPDATE_MANY_MAX} organizations`);
    return this.startJob("update", updates);
  }

  startJob(kind: Job["kind"], updates: Rec[]): SandboxResponse {
    const id = `V3-${(++this.jobSeq).toString(16).padStart(32, "0")}`;
    const job: Job = { id, kind, status: "queued", updates, polls: 0 };
    this.jobs.set(id, job);
    setTimeout(() => this.complete(job), 1_000).unref();
    return { status: 200, body: { job_status: this.jobView(job) } };
  }

  private jobView(j: Job): Rec {
    return {
      id: j.id,
      url: `${this.ctx.baseUrl}/api/v2/job_statuses/${j.id}.json`,
      status: j.status,
      job_type: {
        update: "Bulk Update Organizations",
        create: "Bulk Create Organizations",
        delete: "Bulk Delete Organizations",
      }[j.kind],
      total: j.updates.length,
      progress: j.status === "completed" ? j.updates.length : 0,
      message: j.status === "completed" ? `Completed at ${zendeskTime(this.store.now())}` : null,
      results: j.results ?? null,
    };
  }

  /** A job runs in the background: queued, then working, then done (updates applied then). */
  jobStatus(id: string): SandboxResponse {
    const j = this.jobs.get(id);
    if (!j) return zdError(404, "RecordNotFound", "Not found");
    j.polls++;
    if (j.status === "queued") j.status = "working";
    else if (j.status === "working") this.complete(j);
    return { status: 200, body: { job_status: this.jobView(j) } };
  }

  /** Applies a job's updates; runs when polled or, unpolled, shortly after (as Zendesk's queue would). */
  private complete(j: Job): void {
    if (j.status === "completed") return;
    if (j.kind === "create") j.results = j.updates.map((u, index) => this.createOrg(u, index));
    else if (j.kind === "delete")
      j.results = j.updates.map((u, index) => {
        const id = String(u.id);
        if (!this.store.get("zendesk", "organizations", id))
          return {
            index,
            id: u.id,
            action: "delete",
            success: false,
            error: "RecordNotFound",
            details: "Not found",
          };
        this.store.remove("zendesk", "organizations", id);
        return { index, id: u.id, action: "delete", success: true, status: "Deleted" };
      });
    else j.results = j.updates.map((u, index) => this.updateOrg(u, index));
    j.status = "completed";
  }

  /** A new organization: name required and unique (case-insensitive), as Zendesk validates it. */
  private createOrg(u: Rec, index: number): Rec {
    const name = typeof u.name === "string" ? u.name.trim() : "";
    const fail = (details: string) => ({
      index,
      action: "create",
      success: false,
      error: "RecordInvalid",
      details,
    });
    if (!name) return fail("Name: cannot be blank");
    const orgs = this.store.list("zendesk", "organizations");
    if (orgs.some((o) => String(o.name).toLowerCase() === name.toLowerCase()))
      return fail("Name: has already been taken");
    const id = orgs.reduce((m, o) => Math.max(m, Number(o.id)), 0) + 1;
    const now = zendeskTime(this.store.now());
    const fields: Rec = Object.fromEntries(this.orgFields().map((f) => [String(f.key), null]));
    if (u.organization_fields && typeof u.organization_fields === "object")
      Object.assign(fields, u.organization_fields);
    this.store.put("zendesk", "organizations", {
      url: `${this.ctx.baseUrl}/api/v2/organizations/${id}.json`,
      id,
      name,
      shared_tickets: false,
      shared_comments: false,
      external_id: u.external_id ?? null,
      created_at: now,
      updated_at: now,
      domain_names: Array.isArray(u.domain_names) ? u.domain_names : [],
      details: typeof u.details === "string" ? u.details : "",
      notes: typeof u.notes === "string" ? u.notes : "",
      group_id: null,
      tags: Array.isArray(u.tags) ? u.tags : [],
      organization_fields: fields,
    });
    return { index, id, action: "create", success: true, status: "Created" };
  }

  private updateOrg(u: Rec, index: number): Rec {
    const org = this.store.get("zendesk", "organizations", String(u.id));
    if (!org)
      return {
        index,
        id: u.id,
        action: "update",
        success: false,
        error: "OrganizationNotFound",
        details: `organization ${String(u.id)} not found`,
      };
    const patch = { ...u };
    delete patch.id;
    const fields = patch.organization_fields as Rec | undefined;
    if (fields) {
      const merged = structuredClone((org.organization_fields as Rec) ?? {});
      mergePatch(merged, fields);
      patch.organization_fields = merged;
    }
    this.store.patch("zendesk", "organizations", String(u.id), patch);
    return { index, id: u.id, action: "update", success: true, status: "Updated" };
  }
}
