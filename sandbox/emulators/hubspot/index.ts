import { Rng } from "../../world/rng.js";
import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { AUTH_MESSAGE, hsError, rateLimited, RollingWindow } from "./errors.js";
import { HubspotObjects, listParam, OBJECT_TYPES, type ObjectType, type Rec } from "./objects.js";
import { properties } from "./properties.js";
import { search, SEARCH_MAX_LIMIT } from "./search.js";
import { batchUpdate, updateOne } from "./writes.js";

/**
 * HubSpot's CRM v3 API over a world's `hubspot/companies.jsonl` and `hubspot/deals.jsonl`:
 * private-app bearer auth, the daily quota and the rolling ten-second limit (every call but
 * search, with HubSpot's `X-HubSpot-RateLimit-*` headers), search's own per-second limit, and
 * the routes. Objects and their views are in objects.ts, search in search.ts, writes in
 * writes.ts, property definitions in properties.ts, errors and limits in errors.ts.
 */

const ROLLING_MS = 10_000;

class HubspotEmulator implements Emulator {
  readonly system = "hubspot" as const;
  private readonly objects: HubspotObjects;
  private readonly rolling: RollingWindow;
  private readonly searches: RollingWindow;
  /** Requests of the current UTC day (HubSpot resets the daily limit at midnight in the account's zone). */
  private daily = { day: "", count: 0 };

  constructor(private readonly ctx: EmulatorContext) {
    this.objects = new HubspotObjects(ctx);
    this.rolling = new RollingWindow(ctx.options.hubspotRequestsPerTenSeconds, ROLLING_MS);
    this.searches = new RollingWindow(ctx.options.hubspotSearchRequestsPerSecond, 1000);
    if (ctx.faults === "hostile") {
      // A bulk import gives more than a search page of companies one hs_lastmodifieddate.
      const rows = ctx.store.list("hubspot", "companies");
      const n = Math.min(rows.length, SEARCH_MAX_LIMIT + 50 + ctx.rng.int(0, 100));
      const at = new Date(ctx.store.asOf.getTime() - ctx.rng.int(2, 20) * 86_400_000).toISOString();
      for (const r of rows.slice(0, n)) {
        r.updatedAt = at;
        (r.properties as Rec).hs_lastmodifieddate = at;
      }
    }
  }

  private authorized(req: SandboxRequest): boolean {
    return req.headers.authorization === `Bearer ${SANDBOX_CREDENTIALS.hubspot.accessToken}`;
  }

  handle(req: SandboxRequest): SandboxResponse {
    const rng = this.ctx.rng;
    if (!this.authorized(req)) return hsError(rng, 401, "INVALID_AUTHENTICATION", AUTH_MESSAGE);
    const now = this.ctx.store.now().getTime();
    const defs = /^\/crm\/v3\/properties\/([\w-]+)\/?$/.exec(req.path);
    if (defs && req.method === "GET") return this.definitions(defs[1]!, now);
    const m = /^\/crm\/v3\/objects\/([\w-]+)(?:\/([\w-]+)(?:\/([\w-]+))?)?\/?$/.exec(req.path);
    const type: ObjectType | undefined = m ? OBJECT_TYPES[m[1]!.toLowerCase()] : undefined;
    if (!m || !type)
      return hsError(rng, 404, "OBJECT_NOT_FOUND", `Unable to infer object type from: ${m?.[1] ?? req.path}`);
    const [, , second, third] = m;
    const isSearch = second === "search" && !third && req.method === "POST";
    if (this.dailySpent(now)) return rateLimited(rng, "DAILY", isSearch ? {} : this.limitHeaders(now));
    if (isSearch) {
      // Search has its own limit (per second, per token) and sends no rate-limit headers.
      if (!this.searches.take(now)) return rateLimited(rng, "SECONDLY");
      this.daily.count++;
      return search(this.ctx, this.objects, type, req.body);
    }
    if (!this.rolling.take(now)) return rateLimited(rng, "TEN_SECONDLY_ROLLING", this.limitHeaders(now));
    this.daily.count++;
    const out = this.route(req, type, second, third);
    return { ...out, headers: { ...this.limitHeaders(now), ...(out.headers ?? {}) } };
  }

  /** The Properties API (`GET /crm/v3/properties/{type}`), limited like every call but search. */
  private definitions(name: string, now: number): SandboxResponse {
    const rng = this.ctx.rng;
    const type = OBJECT_TYPES[name.toLowerCase()];
    if (!type) return hsError(rng, 404, "OBJECT_NOT_FOUND", `Unable to infer object type from: ${name}`);
    if (this.dailySpent(now)) return rateLimited(rng, "DAILY", this.limitHeaders(now));
    if (!this.rolling.take(now)) return rateLimited(rng, "TEN_SECONDLY_ROLLING", this.limitHeaders(now));
    this.daily.count++;
    const out = properties(this.objects, type);
    return { ...out, headers: this.limitHeaders(now) };
  }

  /** Whether the day's quota is spent (requests a window refused are not counted against it). */
  private dailySpent(now: number): boolean {
    const max = this.ctx.options.hubspotDailyRequests;
    const day = new Date(now).toISOString().slice(0, 10);
    if (this.daily.day !== day) this.daily = { day, count: 0 };
    return max > 0 && this.daily.count >= max;
  }

  /** What a private app's responses carry: the day's quota and the rolling window's. */
  private limitHeaders(now: number): Record<string, string> {
    const max = this.ctx.options.hubspotDailyRequests;
    const headers: Record<string, string> =
      max > 0
        ? {
            "x-hubspot-ratelimit-daily": String(max),
            "x-hubspot-ratelimit-daily-remaining": String(Math.max(0, max - this.daily.count)),
          }
        : {};
    if (this.rolling.max > 0) {
      headers["x-hubspot-ratelimit-interval-milliseconds"] = String(ROLLING_MS);
      headers["x-hubspot-ratelimit-max"] = String(this.rolling.max);
      headers["x-hubspot-ratelimit-remaining"] = String(this.rolling.remaining(now));
    }
    return headers;
  }

  private route(req: SandboxRequest, type: ObjectType, second?: string, third?: string): SandboxResponse {
    const q = (k: string) => {
      const v = req.query[k];
      return (Array.isArray(v) ? v[0] : v) as string | undefined;
    };
    const startedAt = this.ctx.store.now().toISOString();
    if (!second && req.method === "GET") return this.objects.list(type, q, req.query, new URL(req.url));
    if (second === "batch" && req.method === "POST") {
      if (third === "read") return this.objects.batchRead(type, (req.body ?? {}) as Rec, startedAt);
      if (third === "update") return batchUpdate(this.ctx, this.objects, type, req.body);
    }
    if (second && !third && /^\d+$/.test(second)) {
      if (req.method === "GET") {
        const r = this.objects.get(type, second);
        if (!r || Boolean(r.archived) !== (q("archived") === "true")) return { status: 404, body: "" };
        return {
          status: 200,
          body: this.objects.view(
            type,
            r,
            listParam(req.query.properties),
            listParam(req.query.associations),
          ),
        };
      }
      if (req.method === "PATCH") return updateOne(this.ctx, this.objects, type, second, req.body);
    }
    return hsError(this.ctx.rng, 404, "OBJECT_NOT_FOUND", `No route for ${req.method} ${req.path}`);
  }
}

// Fault answers carry a correlation id too; it identifies nothing, so one stream serves them all.
const faultRng = new Rng(0, 190);

export const hubspotModule: SystemEmulatorModule = {
  system: "hubspot",
  create: (ctx) => new HubspotEmulator(ctx),
  faults: {
    // HubSpot sends no Retry-After: the body names the policy (its client waits 1 s on this one).
    throttled: () => rateLimited(faultRng, "SECONDLY"),
    serverError: () => ({
      status: 502,
      headers: {},
      body: {
        status: "error",
        message: "Bad Gateway",
        correlationId: "00000000-0000-4000-a000-000000000502",
        category: "INTERNAL_ERROR",
      },
    }),
  },
};
