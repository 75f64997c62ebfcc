import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import type { MemoryWorldStore } from "../store.js";
import { STRIPE_WORLD_API_VERSION } from "../../world/stripe-records.js";
import { listEvents, retrieveEvent, stripeEvents } from "./events.js";
import { page } from "./paging.js";
import { TYPES, byCreatedDesc, createdFilter, err, list, str } from "./params.js";
import { AcaciaRenderer, servesWorldShapes, VERSION_FORMAT } from "./versions.js";

/**
 * The Stripe API (reads) over a world: authentication, the rate limit, versions and the object
 * routes. Events are in events.ts, paging in paging.ts, the shared parameters in params.ts.
 */

const LINES_INLINE = 10;
/** The account's default version: the answer's shapes when a request names none. */
const VERSION = STRIPE_WORLD_API_VERSION;

type Rec = Record<string, unknown>;

class StripeEmulator implements Emulator {
  readonly system = "stripe" as const;
  private readonly sorted = new Map<
    string,
    { version: number; rows: Rec[]; position?: Map<unknown, number> }
  >();
  private readonly window: number[] = [];
  private requestSeq = 0;
  private readonly hiddenUntil = new Map<string, number>();
  private readonly acacia: AcaciaRenderer;
  /** The version the request being answered asked for (handle() is synchronous). */
  private version = VERSION;

  constructor(private readonly ctx: EmulatorContext) {
    this.acacia = new AcaciaRenderer(ctx.store);
  }

  /** A world record as the request's version shows it. */
  private shaped(object: string, rec: Rec): Rec {
    return servesWorldShapes(this.version) ? rec : this.acacia.render(object, rec);
  }

  private get store(): MemoryWorldStore {
    return this.ctx.store;
  }

  private rows(object: string): Rec[] {
    const version = this.store.changes.length;
    const cached = this.sorted.get(object);
    if (cached && cached.version === version) return cached.rows;
    const rows = this.store
      .list("stripe", object)
      .filter((r) => r.deleted !== true)
      .slice()
      .sort(byCreatedDesc);
    this.sorted.set(object, { version, rows });
    return rows;
  }

  /** Where the object with this id sits in `rows(object)`. */
  private position(object: string, id: string): number | undefined {
    this.rows(object);
    const cached = this.sorted.get(object)!;
    cached.position ??= new Map(cached.rows.map((r, i) => [r.id, i]));
    return cached.position.get(id);
  }

  private authorized(req: SandboxRequest): boolean {
    const h = req.headers.authorization ?? "";
    const key = SANDBOX_CREDENTIALS.stripe.apiKey;
    if (h === `Bearer ${key}`) return true;
    if (h.startsWith("Basic ")) return Buffer.from(h.slice(6), "base64").toString().split(":")[0] === key;
    return false;
  }

  private throttled(): boolean {
    const rate = this.ctx.options.stripeRequestsPerSecond;
    if (!rate) return false;
    const now = Date.now();
    while (this.window.length && this.window[0]! <= now - 1000) this.window.shift();
    if (this.window.length >= rate) return true;
    this.window.push(now);
    return false;
  }

  handle(req: SandboxRequest): SandboxResponse {
    const asked = req.headers["stripe-version"];
    const version = Array.isArray(asked) ? asked[0] : asked;
    this.version = version || VERSION;
    const r = VERSION_FORMAT.test(this.version)
      ? this.route(req)
      : err(400, "invalid_request_error", `Invalid Stripe API version: ${this.version}`, {
          code: "api_version_invalid",
        });
    r.headers = {
      ...r.headers,
      "request-id": `req_${(++this.requestSeq).toString(36).padStart(14, "0")}`,
      "stripe-version": this.version,
    };
    return r;
  }

  private route(req: SandboxRequest): SandboxResponse {
    if (!this.authorized(req)) {
      const h = req.headers.authorization;
      return err(
        401,
        "invalid_request_error",
        h
          ? `Invalid API Key provided: ${String(h)
              .replace(/^(Bearer|Basic)\s+/, "")
              .slice(0, 8)}****`
          : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    if (this.throttled()) return this.faultsThrottle(1);
    const parts = req.path.split("/").filter(Boolean);
    if (parts[0] !== "v1")
      return err(404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${req.path}).`);
    const [, resource, id, sub] = parts;
    if (req.method !== "GET")
      return err(405, "invalid_request_error", `The sandbox serves reads only (${req.method} ${req.path}).`);
    if (resource === "events") return id ? retrieveEvent(id, this.events()) : listEvents(req, this.events());
    // Invoice payments came with basil; an earlier version has no such endpoint.
    const type =
      resource && (resource !== "invoice_payments" || servesWorldShapes(this.version))
        ? TYPES[resource]
        : undefined;
    if (!type) return err(404, "invalid_request_error", `Unrecognized request URL (GET: ${req.path}).`);
    if (!id) return this.listObjects(req, type.object, resource!);
    if (resource === "invoices" && sub === "lines") return this.listLines(req, id);
    if (sub) return err(404, "invalid_request_error", `Unrecognized request URL (GET: ${req.path}).`);
    const rec = this.store.get("stripe", type.object, id);
    if (!rec)
      return err(404, "invalid_request_error", `No such ${type.event.split(".").at(-1)}: '${id}'`, {
        code: "resource_missing",
        param: "id",
      });
    return { status: 200, body: this.render(rec, type.object, list(req.query, "expand")) };
  }

  faultsThrottle(retryAfter: number): SandboxResponse {
    return {
      status: 429,
      headers: { "retry-after": String(retryAfter), "stripe-should-retry": "true" },
      body: {
        error: {
          type: "invalid_request_error",
          code: "rate_limit",
          message:
            "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
        },
      },
    };
  }

  /** An object as the API shows it: invoice lines cut to the first 10, expansions applied. */
  private render(rec: Rec, object: string, expand: string[]): Rec {
    let out = this.shaped(object, rec);
    if (object === "invoices") {
      const lines = out.lines as { data?: Rec[] } | undefined;
      const data = lines?.data ?? [];
      out = {
        ...out,
        lines: {
          object: "list",
          data: data.slice(0, LINES_INLINE),
          has_more: data.length > LINES_INLINE,
          total_count: data.length,
          url: `/v1/invoices/${String(rec.id)}/lines`,
        },
      };
    }
    const exp = expand.map((e) => e.replace(/^data\./, ""));
    if (exp.includes("customer") && typeof out.customer === "string") {
      const c = this.store.get("stripe", "customers", out.customer);
      if (c) out = { ...out, customer: this.shaped("customers", c) };
    }
    return out;
  }

  private listObjects(req: SandboxRequest, object: string, resource: string): SandboxResponse {
    let rows = this.rows(object);
    const created = createdFilter(req.query);
    const customer = str(req.query, "customer");
    const status = str(req.query, "status");
    const nowS = Math.floor(this.store.now().getTime() / 1000);
    const hostile = this.ctx.faults === "hostile";
    const keep = (r: Rec) => {
      if (created && !created(Number(r.created))) return false;
      if (customer && r.customer !== customer) return false;
      if (resource === "subscriptions") {
        if (status === undefined && r.status === "canceled") return false;
        if (status && status !== "all" && r.status !== status) return false;
      }
      // Hostile: a just-created object may not be visible to created-filtered lists yet.
      if (hostile && created && nowS - Number(r.created) < 60 && this.hidden(String(r.id), nowS))
        return false;
      return true;
    };
    const filtered = created || customer || (resource === "subscriptions" && status !== "all") || hostile;
    const after = str(req.query, "starting_after");
    const limit = Number(str(req.query, "limit") ?? 10);
    const window =
      !hostile && !str(req.query, "ending_before") && Number.isInteger(limit) && limit >= 1 && limit <= 100
        ? this.forwardPage(object, rows, after, limit, filtered ? keep : undefined)
        : undefined;
    if (window) rows = window;
    else if (filtered) rows = rows.filter(keep);
    const expand = list(req.query, "expand");
    return page(req, rows, `/v1/${resource}`, (r) => this.render(r, object, expand));
  }

  /**
   * The rows `page` needs for a forward page: the cursor object (when given) and the next
   * `limit + 1` rows that pass the filter — found from the cursor's position instead of filtering
   * and searching the whole list on every request, which made listing a stream quadratic.
   * Undefined when the cursor is unknown or filtered out: the full path answers (with its error).
   */
  private forwardPage(
    object: string,
    rows: Rec[],
    after: string | undefined,
    limit: number,
    keep: ((r: Rec) => boolean) | undefined,
  ): Rec[] | undefined {
    let i = 0;
    const out: Rec[] = [];
    if (after) {
      const at = this.position(object, after);
      if (at === undefined || (keep && !keep(rows[at]!))) return undefined;
      out.push(rows[at]!);
      i = at + 1;
    }
    const want = out.length + limit + 1;
    for (; i < rows.length && out.length < want; i++) if (!keep || keep(rows[i]!)) out.push(rows[i]!);
    return out;
  }

  private hidden(id: string, nowS: number): boolean {
    let until = this.hiddenUntil.get(id);
    if (until === undefined) {
      until = this.ctx.rng.chance(0.5) ? nowS + this.ctx.rng.int(2, 8) : 0;
      this.hiddenUntil.set(id, until);
    }
    return nowS < until;
  }

  private listLines(req: SandboxRequest, id: string): SandboxResponse {
    const inv = this.store.get("stripe", "invoices", id);
    if (!inv)
      return err(404, "invalid_request_error", `No such invoice: '${id}'`, {
        code: "resource_missing",
        param: "id",
      });
    const lines = ((inv.lines as { data?: Rec[] } | undefined)?.data ?? []).slice();
    return page(req, lines, `/v1/invoices/${id}/lines`, (r) => this.shaped("line_items", r));
  }

  /** The account's events, rendered in the version the request asked for. */
  private events(): Rec[] {
    return stripeEvents(this.store, this.version, (object, rec) => this.shaped(object, rec));
  }
}

export const stripeModule: SystemEmulatorModule = {
  system: "stripe",
  create: (ctx) => new StripeEmulator(ctx),
  faults: {
    throttled: (s) => ({
      status: 429,
      headers: { "retry-after": String(s), "stripe-should-retry": "true" },
      body: {
        error: {
          type: "invalid_request_error",
          code: "rate_limit",
          message:
            "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
        },
      },
    }),
    serverError: () => ({
      status: 500,
      headers: { "stripe-should-retry": "true" },
      body: { error: { type: "api_error", message: "An unknown error occurred" } },
    }),
  },
};
