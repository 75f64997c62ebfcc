import { memoize } from "../../../core/memo.js";
import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { mergePatch, zendeskTime } from "../store.js";

type Rec = Record<string, unknown>;
const EXPORT_PAGE = 1000;
const MAX_OFFSET_PAGES = 100;
const UPDATE_MANY_MAX = 100;

/**
 * Unix seconds of a stored timestamp. Memoised: every export request sorts and filters the whole
 * object list by it, and a world has far fewer distinct timestamps than comparisons.
 */
const secondsOf = memoize((text) => Math.floor(Date.parse(text) / 1000), 1_000_000);
const secs = (iso: unknown) => secondsOf(String(iso));

function zdError(status: number, error: string, description?: string): SandboxResponse {
  return { status, body: description ? { error, description } : { error } };
}

/** Order of the incremental exports: updated_at, then id. */
function byUpdated(a: Rec, b: Rec): number {
  return secs(a.updated_at) - secs(b.updated_at) || Number(a.id) - Number(b.id);
}

interface Job {
  id: string;
  kind: "update" | "create" | "delete";
  status: "queued" | "working" | "completed";
  updates: Rec[];
  results?: Rec[];
  polls: number;
}

class ZendeskEmulator implements Emulator {
  readonly system = "zendesk" as const;
  private readonly jobs = new Map<string, Job>();
  private jobSeq = 0;

  constructor(private readonly ctx: EmulatorContext) {
    if (ctx.faults === "hostile") {
      // A bulk edit gives more than a page of records one updated_at (macros, imports do this).
      for (const object of ["tickets", "organizations"]) {
        const rows = ctx.store.list("zendesk", object);
        const n = Math.min(rows.length, EXPORT_PAGE + 200 + ctx.rng.int(0, 100));
        const at = zendeskTime(new Date(ctx.store.asOf.getTime() - ctx.rng.int(2, 20) * 86_400_000));
        for (const r of rows.slice(0, n)) r.updated_at = at;
      }
    }
  }

  private get store() {
    return this.ctx.store;
  }

  private authorized(req: SandboxRequest): boolean {
    const h = req.headers.authorization ?? "";
    if (!h.startsWith("Basic ")) return false;
    const c = SANDBOX_CREDENTIALS.zendesk;
    return Buffer.from(h.slice(6), "base64").toString() === `${c.email}/token:${c.apiToken}`;
  }

  handle(req: SandboxRequest): SandboxResponse {
    if (!this.authorized(req)) return zdError(401, "Couldn't authenticate you");
    const p = req.path.replace(/\/$/, "");
    const q = (k: string) =>
      (Array.isArray(req.query[k]) ? req.query[k][0] : req.query[k]) as string | undefined;
    if (p === "/api/v2/incremental/tickets/cursor.json" && req.method === "GET") return this.ticketsCursor(q);
    if (p === "/api/v2/incremental/organizations.json" && req.method === "GET") return this.orgExport(q);
    if (p === "/api/v2/organizations.json" && req.method === "GET") return this.orgPages(q);
    if (p === "/api/v2/organizations/count.json")
      return {
        status: 200,
        body: {
          count: {
            value: this.store.list("zendesk", "organizations").length,
            refreshed_at: zendeskTime(this.store.now()),
          },
        },
      };
    if (p === "/api/v2/organizations/show_many.json") {
      const ids = (q("ids") ?? "").split(",").filter(Boolean);
      const externalIds = (q("external_ids") ?? "").split(",").filter(Boolean);
      if (ids.length > 100 || externalIds.length > 100)
        return zdError(400, "InvalidValue", "at most 100 ids");
      const wanted = new Set(externalIds);
      const organizations = externalIds.length
        ? this.store
            .list("zendesk", "organizations")
            .filter((o) => typeof o.external_id === "string" && wanted.has(o.external_id))
        : ids.map((id) => this.store.get("zendesk", "organizations", id)).filter(Boolean);
      return {
        status: 200,
        body: { organizations, next_page: null, previous_page: null, count: organizations.length },
      };
    }
    if (p === "/api/v2/organizations/update_many.json" && req.method === "PUT")
      return this.updateMany(req, q);
    if (p === "/api/v2/organizations/create_many.json" && req.method === "POST") {
      const orgs = (req.body as { organizations?: Rec[] } | undefined)?.organizations;
      if (!Array.isArray(orgs)) return zdError(400, "InvalidValue", "body must be {organizations: [...]}");
      if (orgs.length > UPDATE_MANY_MAX)
        return zdError(400, "TooManyRecords", `create_many takes at most ${UPDATE_MANY_MAX} organizations`);
      return this.startJob("create", orgs);
    }
    if (p === "/api/v2/organizations/destroy_many.json" && req.method === "DELETE") {
      const ids = (q("ids") ?? "").split(",").filter(Boolean);
      if (!ids.length) return zdError(400, "InvalidValue", "ids is required");
      if (ids.length > UPDATE_MANY_MAX)
        return zdError(400, "TooManyRecords", `destroy_many takes at most ${UPDATE_MANY_MAX} organizations`);
      return this.startJob(
        "delete",
        ids.map((id) => ({ id: Number(id) })),
      );
    }
    if (p === "/api/v2/organization_fields.json")
      return { status: 200, body: { organization_fields: this.orgFields() } };
    let m = /^\/api\/v2\/organizations\/(\d+)\.json$/.exec(p);
    if (m) {
      const org = this.store.get("zendesk", "organizations", m[1]!);
      if (!org) return zdError(404, "RecordNotFound", "Not found");
      if (req.method === "GET") return { status: 200, body: { organization: org } };
      if (req.method === "PUT") {
        const patch = (req.body as { organization?: Rec } | undefined)?.organization;
        if (!patch || typeof patch !== "object")
          return zdError(400, "InvalidValue", "body must be {organization: {...}}");
        return {
          status: 200,
          body: { organization: this.store.patch("zendesk", "organizations", m[1]!, patch) },
        };
      }
    }
    m = /^\/api\/v2\/job_statuses\/([\w-]+)\.json$/.exec(p);
    if (m) return this.jobStatus(m[1]!);
    m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p);
    if (m && req.method === "GET") {
      const t = this.store.get("zendesk", "tickets", m[1]!);
      return t ? { status: 200, body: { ticket: t } } : zdError(404, "RecordNotFound", "Not found");
    }
    return zdError(404, "InvalidEndpoint", `Not found: ${req.method} ${req.path}`);
  }

  /** Items changed in the last minute are not exported yet (Zendesk's documented lag). */
  private exportable(object: string): Rec[] {
    const cutoff = Math.floor(this.store.now().getTime() / 1000) - 60;
    return this.store
      .list("zendesk", object)
      .filter((r) => secs(r.updated_at) <= cutoff)
      .sort(byUpdated);
  }

  private startTime(q: (k: string) => string | undefined): number | SandboxResponse {
    const raw = q("start_time");
    if (raw === undefined || !/^\d+$/.test(raw))
      return zdError(400, "InvalidValue", "start_time is required (unix seconds)");
    const t = Number(raw);
    if (t > Math.floor(this.store.now().getTime() / 1000) - 60)
      return zdError(400, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute");
    return t;
  }

  private ticketsCursor(q: (k: string) => string | undefined): SandboxResponse {
    const per = Math.min(Number(q("per_page") ?? EXPORT_PAGE) || EXPORT_PAGE, EXPORT_PAGE);
    let from: { t: number; id: number } | undefined;
    const cursor = q("cursor");
    if (cursor) {
      try {
        from = JSON.parse(Buffer.from(cursor, "base64url").toString()) as { t: number; id: number };
      } catch {
        // Clients that send a placeholder cursor along with a start_time mean "start there".
        if (q("start_time") === undefined) return zdError(400, "InvalidCursor", "the cursor is not valid");
      }
    }
    if (!from) {
      const t = this.startTime(q);
      if (typeof t !== "number") return t;
      from = { t: t - 1, id: Number.MAX_SAFE_INTEGER };
    }
    const start = from;
    const rows = this.exportable("tickets").filter(
      (r) => secs(r.updated_at) > start.t || (secs(r.updated_at) === start.t && Number(r.id) > start.id),
    );
    const page = rows.slice(0, per);
    const last = page.at(-1);
    const next = last ? { t: secs(last.updated_at), id: Number(last.id) } : start;
    const after = Buffer.from(JSON.stringify(next)).toString("base64url");
    const base = `${this.ctx.baseUrl}/api/v2/incremental/tickets/cursor.json`;
    return {
      status: 200,
      body: {
        tickets: page,
        after_cursor: after,
        after_url: `${base}?cursor=${after}`,
        before_cursor: null,
        before_url: null,
        end_of_stream: rows.length <= per,
      },
    };
  }

  /**
   * Time-based export: a page starts at start_time inclusive and ends at the updated_at of its
   * last item, so items sharing that second come again on the next page (as Zendesk documents).
   * When a whole page would share one second, the page holds every item of that second instead,
   * so a client following next_page still moves forward.
   */
  private orgExport(q: (k: string) => string | undefined): SandboxResponse {
    const t = this.startTime(q);
    if (typeof t !== "number") return t;
    const per = Math.min(Number(q("per_page") ?? EXPORT_PAGE) || EXPORT_PAGE, EXPORT_PAGE);
    const rows = this.exportable("organizations").filter((r) => secs(r.updated_at) >= t);
    let page = rows.slice(0, per);
    if (page.length === per && secs(page[0]!.updated_at) === secs(page.at(-1)!.updated_at)) {
      const s = secs(page[0]!.updated_at);
      page = rows.filter((r) => secs(r.updated_at) === s);
    }
    const endOfStream = page.length === rows.length;
    const end = page.length ? secs(page.at(-1)!.updated_at) : t;
    const nextStart = endOfStream || end > t ? end : end + 1;
    return {
      status: 200,
      body: {
        organizations: page,
        count: page.length,
        end_time: nextStart,
        end_of_stream: endOfStream,
        next_page: `${this.ctx.baseUrl}/api/v2/incremental/organizations.json?start_time=${nextStart}`,
      },
    };
  }

  private orgPages(q: (k: string) => string | undefined): SandboxResponse {
    const page = Number(q("page") ?? 1);
    const per = Math.min(Number(q("per_page") ?? 100) || 100, 100);
    if (page > MAX_OFFSET_PAGES)
      return zdError(
        400,
        "InvalidPaginationDepth",
        `Offset pagination is limited to the first ${MAX_OFFSET_PAGES} pages. Use cursor-based pagination.`,
      );
    const rows = this.store
      .list("zendesk", "organizations")
      .slice()
      .sort((a, b) => Number(a.id) - Number(b.id));
    const data = rows.slice((page - 1) * per, page * per);
    const more = page * per < rows.length;
    return {
      status: 200,
      body: {
        organizations: data,
        count: rows.length,
        next_page: more
          ? `${this.ctx.baseUrl}/api/v2/organizations.json?page=${page + 1}&per_page=${per}`
          : null,
        previous_page:
          page > 1 ? `${this.ctx.baseUrl}/api/v2/organizations.json?page=${page - 1}&per_page=${per}` : null,
      },
    };
  }

  private orgFields(): Rec[] {
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

  private updateMany(req: SandboxRequest, q: (k: string) => string | undefined): SandboxResponse {
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

  private startJob(kind: Job["kind"], updates: Rec[]): SandboxResponse {
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
  private jobStatus(id: string): SandboxResponse {
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

export const zendeskModule: SystemEmulatorModule = {
  system: "zendesk",
  create: (ctx) => new ZendeskEmulator(ctx),
  faults: {
    throttled: (s) => ({
      status: 429,
      headers: { "retry-after": String(Math.max(1, s)) },
      body: {
        error: "APIRateLimitExceeded",
        description: "Number of allowed API requests per minute exceeded",
      },
    }),
    serverError: () => ({
      status: 503,
      headers: { "retry-after": "1" },
      body: { error: "ServiceUnavailable", description: "Server temporarily unavailable" },
    }),
  },
};
