import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { zendeskTime } from "../store.js";
import { zdError } from "./errors.js";
import { EXPORT_PAGE, ZendeskExports } from "./exports.js";
import { UPDATE_MANY_MAX, ZendeskJobs } from "./jobs.js";

/**
 * The Zendesk Support API over a world: authentication and the routes. The incremental exports
 * are in exports.ts, the bulk calls and their job statuses in jobs.ts.
 */

type Rec = Record<string, unknown>;

class ZendeskEmulator implements Emulator {
  readonly system = "zendesk" as const;
  private readonly exports: ZendeskExports;
  private readonly jobs: ZendeskJobs;

  constructor(private readonly ctx: EmulatorContext) {
    this.exports = new ZendeskExports(ctx);
    this.jobs = new ZendeskJobs(ctx);
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
    if (p === "/api/v2/incremental/tickets/cursor.json" && req.method === "GET")
      return this.exports.ticketsCursor(q);
    if (p === "/api/v2/incremental/organizations.json" && req.method === "GET")
      return this.exports.orgExport(q);
    if (p === "/api/v2/organizations.json" && req.method === "GET") return this.exports.orgPages(q);
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
      return this.jobs.updateMany(req, q);
    if (p === "/api/v2/organizations/create_many.json" && req.method === "POST") {
      const orgs = (req.body as { organizations?: Rec[] } | undefined)?.organizations;
      if (!Array.isArray(orgs)) return zdError(400, "InvalidValue", "body must be {organizations: [...]}");
      if (orgs.length > UPDATE_MANY_MAX)
        return zdError(400, "TooManyRecords", `create_many takes at most ${UPDATE_MANY_MAX} organizations`);
      return this.jobs.startJob("create", orgs);
    }
    if (p === "/api/v2/organizations/destroy_many.json" && req.method === "DELETE") {
      const ids = (q("ids") ?? "").split(",").filter(Boolean);
      if (!ids.length) return zdError(400, "InvalidValue", "ids is required");
      if (ids.length > UPDATE_MANY_MAX)
        return zdError(400, "TooManyRecords", `destroy_many takes at most ${UPDATE_MANY_MAX} organizations`);
      return this.jobs.startJob(
        "delete",
        ids.map((id) => ({ id: Number(id) })),
      );
    }
    if (p === "/api/v2/organization_fields.json")
      return { status: 200, body: { organization_fields: this.jobs.orgFields() } };
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
    if (m) return this.jobs.jobStatus(m[1]!);
    m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p);
    if (m && req.method === "GET") {
      const t = this.store.get("zendesk", "tickets", m[1]!);
      return t ? { status: 200, body: { ticket: t } } : zdError(404, "RecordNotFound", "Not found");
    }
    return zdError(404, "InvalidEndpoint", `Not found: ${req.method} ${req.path}`);
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
