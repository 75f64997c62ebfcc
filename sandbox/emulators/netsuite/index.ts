import { timingSafeEqual } from "node:crypto";
import { oauth1BaseString, oauth1Signature } from "../../../extract/http/auth.js";
import { SANDBOX_CREDENTIALS, type EmulatorContext, type SystemEmulatorModule } from "../context.js";
import type { Emulator, SandboxRequest, SandboxResponse } from "../interfaces.js";
import { memoize } from "../../../core/memo.js";
import { parseNetsuiteDateTime } from "../store.js";
import { parseSuiteQl, SuiteQlError, type Cond, type Expr } from "./suiteql.js";

type Rec = Record<string, unknown>;
const MAX_LIMIT = 1000;
const MAX_RESULTS = 100_000;
const DATE_FIELDS = new Set(["trandate", "duedate", "closedate", "startdate", "enddate"]);
const DATETIME_FIELDS = new Set(["datecreated", "createddate", "lastmodifieddate"]);

function nsError(status: number, code: string, detail: string): SandboxResponse {
  return {
    status,
    body: {
      type: `https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.${status === 401 ? 2 : 1}`,
      title: status === 401 ? "Unauthorized" : "Bad Request",
      status,
      "o:errorDetails": [{ detail, "o:errorCode": code }],
    },
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Oracle-style TO_CHAR for the tokens extractors use (YYYY MM DD HH24 MI SS), in UTC. */
function toChar(ms: number, fmt: string): string {
  const d = new Date(ms);
  return fmt
    .replace(/YYYY/g, String(d.getUTCFullYear()))
    .replace(/HH24/g, pad(d.getUTCHours()))
    .replace(/MI/g, pad(d.getUTCMinutes()))
    .replace(/SS/g, pad(d.getUTCSeconds()))
    .replace(/MM/g, pad(d.getUTCMonth() + 1))
    .replace(/DD/g, pad(d.getUTCDate()));
}

/** Oracle-style TO_DATE / TO_TIMESTAMP for YYYY-MM-DD[ HH24:MI:SS] (and M/D/YYYY). */
function parseFormatted(s: string, fmt: string): number {
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s.trim());
  if (iso) return Date.UTC(+iso[1]!, +iso[2]! - 1, +iso[3]!, +(iso[4] ?? 0), +(iso[5] ?? 0), +(iso[6] ?? 0));
  const ns = parseNetsuiteDateTime(s);
  if (ns) return ns.getTime();
  throw new SuiteQlError(`Invalid search query. Cannot convert '${s}' with format '${fmt}'.`);
}

/**
 * Stored date text → epoch ms. WHERE and ORDER BY evaluate a date column for every row: parsing
 * each time made the emulator quadratic in practice (35 of 50 s of a scale-3 extract). A world
 * has few distinct date strings.
 */
const epochOf = memoize((text) => parseNetsuiteDateTime(text)?.getTime() ?? null, 1_000_000);

/** TO_DATE / TO_TIMESTAMP of a literal, per format (a bad literal throws, and nothing is kept). */
const formattedBy = new Map<string, (text: string) => number>();
function formattedMs(text: string, fmt: string): number {
  let parse = formattedBy.get(fmt);
  if (!parse) formattedBy.set(fmt, (parse = memoize((t) => parseFormatted(t, fmt))));
  return parse(text);
}

class NetSuiteEmulator implements Emulator {
  readonly system = "netsuite" as const;
  private readonly nonces = new Map<string, number>();
  constructor(private readonly ctx: EmulatorContext) {}

  /** OAuth 1.0a TBA, HMAC-SHA256, checked for real: key, token, timestamp, nonce, signature. */
  private authenticate(req: SandboxRequest): SandboxResponse | undefined {
    const denied = nsError(
      401,
      "INVALID_LOGIN",
      "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
    );
    const h = req.headers.authorization ?? "";
    if (!h.startsWith("OAuth ")) return denied;
    const params: Record<string, string> = {};
    for (const m of h.slice(6).matchAll(/([\w]+)="([^"]*)"/g)) params[m[1]!] = decodeURIComponent(m[2]!);
    const c = SANDBOX_CREDENTIALS.netsuite;
    if (
      params.oauth_consumer_key !== c.consumerKey ||
      params.oauth_token !== c.tokenId ||
      params.oauth_signature_method !== "HMAC-SHA256" ||
      (params.realm && params.realm.toUpperCase() !== c.accountId.toUpperCase())
    )
      return denied;
    const ts = Number(params.oauth_timestamp);
    const now = Date.now() / 1000;
    if (!Number.isFinite(ts) || Math.abs(now - ts) > 300) return denied;
    const nonce = params.oauth_nonce ?? "";
    for (const [n, at] of this.nonces) if (at < now - 600) this.nonces.delete(n);
    if (!nonce || this.nonces.has(nonce)) return denied;
    const oauth: Record<string, string> = {};
    for (const [k, v] of Object.entries(params))
      if (k.startsWith("oauth_") && k !== "oauth_signature") oauth[k] = v;
    // The URL as the client addressed it (its Host header), which is what it signed.
    const url = new URL(
      `http://${req.headers.host ?? new URL(req.url).host}${req.path}${req.rawQuery ? `?${req.rawQuery}` : ""}`,
    );
    const expected = oauth1Signature(
      oauth1BaseString(req.method, url, oauth),
      c.consumerSecret,
      c.tokenSecret,
    );
    const got = Buffer.from(params.oauth_signature ?? "");
    const want = Buffer.from(expected);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return denied;
    this.nonces.set(nonce, ts);
    return undefined;
  }

  handle(req: SandboxRequest): SandboxResponse {
    const denied = this.authenticate(req);
    if (denied) return denied;
    if (req.path.replace(/\/$/, "") !== "/services/rest/query/v1/suiteql" || req.method !== "POST")
      return nsError(404, "NONEXISTENT_ID", `The record type or resource ${req.path} does not exist.`);
    if (!/transient/i.test(String(req.headers.prefer ?? "")))
      return nsError(
        400,
        "INVALID_PARAMETER",
        "SuiteQL queries must be sent with the header Prefer: transient.",
      );
    const q = (req.body as { q?: unknown } | undefined)?.q;
    if (typeof q !== "string")
      return nsError(400, "INVALID_PARAMETER", 'The request body must be {"q": "<SuiteQL>"}.');
    const limit = req.query.limit === undefined ? MAX_LIMIT : Number(req.query.limit);
    const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return nsError(
        400,
        "INVALID_PARAMETER",
        `Invalid value for parameter limit: ${String(req.query.limit)}. Provide a value between 1 and ${MAX_LIMIT}.`,
      );
    if (!Number.isInteger(offset) || offset < 0 || offset % limit !== 0)
      return nsError(
        400,
        "INVALID_PARAMETER",
        `Invalid value for parameter offset: ${String(req.query.offset)}. The offset must be a multiple of the limit.`,
      );
    if (offset >= MAX_RESULTS)
      return nsError(
        400,
        "INVALID_PARAMETER",
        `The query returns more than ${MAX_RESULTS} results; narrow it (page with a WHERE on id) instead of paging past ${MAX_RESULTS}.`,
      );
    try {
      return this.query(q, limit, offset, req);
    } catch (err) {
      if (err instanceof SuiteQlError) return nsError(400, "INVALID_PARAMETER", err.message);
      throw err;
    }
  }

  /** A stored value as the account shows it: dates in the account's date format preference. */
  private shown(column: string, v: unknown): unknown {
    const fmt = this.ctx.options.netsuiteDateFormat;
    if (fmt === "M/D/YYYY" || (!DATE_FIELDS.has(column) && !DATETIME_FIELDS.has(column))) return v;
    const d = parseNetsuiteDateTime(String(v));
    if (!d) return v;
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const date =
      fmt === "D/M/YYYY"
        ? `${day}/${m}/${y}`
        : fmt === "DD.MM.YYYY"
          ? `${pad(day)}.${pad(m)}.${y}`
          : `${y}-${pad(m)}-${pad(day)}`;
    return DATETIME_FIELDS.has(column) ? `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : date;
  }

  /** A column's value for comparisons: dates and datetimes as epoch ms, the rest as stored. */
  private value(r: Rec, e: Expr): string | number | null {
    if (e.kind === "lit") return e.value;
    if (e.kind === "fn") {
      if (e.name === "TO_DATE" || e.name === "TO_TIMESTAMP") {
        const s = this.value(r, e.args[0]!);
        const fmt = String(e.args[1] && e.args[1].kind === "lit" ? e.args[1].value : "YYYY-MM-DD");
        return s === null ? null : formattedMs(String(s), fmt);
      }
      if (e.name === "TO_CHAR") {
        const v = this.value(r, e.args[0]!);
        const fmt = e.args[1]?.kind === "lit" ? String(e.args[1].value) : "YYYY-MM-DD";
        return v === null ? null : typeof v === "number" ? toChar(v, fmt) : String(v);
      }
      throw new SuiteQlError(`Invalid search query. Unknown function ${e.name}.`);
    }
    const raw = r[e.name];
    if (raw === undefined || raw === null || raw === "") return null;
    if (e.name === "lastmodifieddate" && typeof r.__lastmodified_ms === "number") return r.__lastmodified_ms;
    if (DATE_FIELDS.has(e.name) || DATETIME_FIELDS.has(e.name)) return epochOf(String(raw));
    return String(raw);
  }

  private cmp(a: string | number | null, b: string | number | null): number {
    if (a === b) return 0;
    if (a === null) return 1; // NULLS LAST, as Oracle sorts ascending
    if (b === null) return -1;
    const na = Number(a);
    const nb = Number(b);
    if (a !== "" && b !== "" && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return String(a) < String(b) ? -1 : 1;
  }

  private test(c: Cond | undefined, r: Rec): boolean {
    if (!c) return true;
    switch (c.op) {
      case "and":
        return this.test(c.left, r) && this.test(c.right, r);
      case "or":
        return this.test(c.left, r) || this.test(c.right, r);
      case "not":
        return !this.test(c.inner, r);
      case "null":
        return (this.value(r, c.left) === null) !== c.negate;
      case "in": {
        const v = this.value(r, c.left);
        const hit = v !== null && c.values.some((x) => this.cmp(v, this.value(r, x)) === 0);
        return hit !== c.negate;
      }
      case "cmp": {
        const a = this.value(r, c.left);
        const b = this.value(r, c.right);
        if (a === null || b === null) return false;
        const d = this.cmp(a, b);
        switch (c.cmp) {
          case "=":
            return d === 0;
          case "!=":
            return d !== 0;
          case "<":
            return d < 0;
          case "<=":
            return d <= 0;
          case ">":
            return d > 0;
          default:
            return d >= 0;
        }
      }
    }
  }

  private query(q: string, limit: number, offset: number, req: SandboxRequest): SandboxResponse {
    const parsed = parseSuiteQl(q);
    if (!this.ctx.store.objects("netsuite").includes(parsed.table))
      throw new SuiteQlError(`Invalid search query. Unknown table '${parsed.table}'.`);
    let rows = this.ctx.store.list("netsuite", parsed.table).filter((r) => this.test(parsed.where, r));
    if (parsed.orderBy.length && rows.length > 1) {
      // Sort keys computed once per row, not twice per comparison (key-set paging sorts most of
      // a table on every page).
      const keyed = rows.map((r) => ({ r, keys: parsed.orderBy.map((o) => this.value(r, o.expr)) }));
      keyed.sort((a, b) => {
        for (let i = 0; i < parsed.orderBy.length; i++) {
          const d = this.cmp(a.keys[i]!, b.keys[i]!);
          if (d) return parsed.orderBy[i]!.desc ? -d : d;
        }
        return 0;
      });
      rows = keyed.map((k) => k.r);
    }
    const total = rows.length;
    const page = rows.slice(offset, offset + limit);
    const items = page.map((r) => {
      const out: Rec = { links: [] };
      if (parsed.star)
        for (const [k, v] of Object.entries(r))
          if (!k.startsWith("__") && k !== "links" && v !== null && v !== "") out[k] = this.shown(k, v);
      for (const c of parsed.columns) {
        const v = c.expr.kind === "col" ? (r[c.expr.name] ?? null) : this.value(r, c.expr);
        if (v !== null && v !== "")
          out[c.alias] = c.expr.kind === "col" ? String(this.shown(c.expr.name, v)) : String(v);
      }
      return out;
    });
    const hasMore = offset + limit < Math.min(total, MAX_RESULTS);
    const self = new URL(req.url);
    const link = (o: number) => {
      const u = new URL(self);
      u.searchParams.set("limit", String(limit));
      u.searchParams.set("offset", String(o));
      return u.toString();
    };
    const links = [{ rel: "self", href: link(offset) }];
    if (hasMore) links.push({ rel: "next", href: link(offset + limit) });
    if (offset > 0) links.push({ rel: "previous", href: link(Math.max(0, offset - limit)) });
    return { status: 200, body: { links, count: items.length, hasMore, items, offset, totalResults: total } };
  }
}

export const netsuiteModule: SystemEmulatorModule = {
  system: "netsuite",
  create: (ctx) => new NetSuiteEmulator(ctx),
  faults: {
    throttled: (s) => ({
      status: 429,
      headers: { "retry-after": String(Math.max(1, s)) },
      body: {
        type: "https://www.rfc-editor.org/rfc/rfc6585.html#section-4",
        title: "Too Many Requests",
        status: 429,
        "o:errorDetails": [
          {
            detail:
              "The request could not be processed because too many concurrent requests are in progress.",
            "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
          },
        ],
      },
    }),
    serverError: () => ({
      status: 503,
      headers: {},
      body: {
        title: "Service Unavailable",
        status: 503,
        "o:errorDetails": [{ detail: "Service temporarily unavailable", "o:errorCode": "UNEXPECTED_ERROR" }],
      },
    }),
  },
};
