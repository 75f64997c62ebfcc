import { memoize } from "../../../core/memo.js";
import type { EmulatorContext } from "../context.js";
import type { SandboxResponse } from "../interfaces.js";
import { zdError } from "./errors.js";

type Rec = Record<string, unknown>;
export const EXPORT_PAGE = 1000;
const MAX_OFFSET_PAGES = 100;

/**
 * Unix seconds of a stored timestamp. Memoised: every export request sorts and filters the whole
 * object list by it, and a world has far fewer distinct timestamps than comparisons.
 */
const secondsOf = memoize((text) => Math.floor(Date.parse(text) / 1000), 1_000_000);
const secs = (iso: unknown) => secondsOf(String(iso));

/** Order of the incremental exports: updated_at, then id. */
function byUpdated(a: Rec, b: Rec): number {
  return secs(a.updated_at) - secs(b.updated_at) || Number(a.id) - Number(b.id);
}

/** The incremental exports (tickets by cursor, organizations by time) and offset paging of organizations. */
export class ZendeskExports {
  constructor(private readonly ctx: EmulatorContext) {}

  private get store() {
    return this.ctx.store;
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

  ticketsCursor(q: (k: string) => string | undefined): SandboxResponse {
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
  orgExport(q: (k: string) => string | undefined): SandboxResponse {
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

  orgPages(q: (k: string) => string | undefined): SandboxResponse {
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
}
