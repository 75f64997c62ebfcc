import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small REST API on node:http for the declarative REST source's tests: one list of items
 * served under every paginator style, customers with invoices under them (a child resource),
 * bearer or OAuth2 client-credentials auth, and faults on demand (a fatal error, or a request
 * held open, at a given page). Records are sorted by (updated_at, id); `since` filters
 * `updated_at >= since`, as such APIs do.
 */

export type Rec = { id: string; name: string; updated_at: string };
export type Style =
  "json_link" | "header_link" | "cursor_body" | "cursor_header" | "offset" | "page_number" | "post_cursor";
export const STYLES: Style[] = [
  "json_link",
  "header_link",
  "cursor_body",
  "cursor_header",
  "offset",
  "page_number",
  "post_cursor",
];
export const PAGE = 7;

export interface Served {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
  status: number;
}

export interface RestApi {
  url: string;
  items: Rec[];
  invoices: Map<string, Rec[]>;
  log: Served[];
  token: string;
  /** OAuth2: the access tokens handed out; revoking makes every one answer 401. */
  issued: string[];
  revokeTokens(): void;
  /** The next request for page `page` (of `path`, if given) answers `status` (once). */
  failAt(page: number, status?: number, path?: string): void;
  /** Called after each page is served. */
  afterPage?: (path: string, page: number) => void;
  /** The next request for page `page` is never answered; `onHeld` hears of it. */
  holdAt(page: number, onHeld: () => void): void;
  close(): Promise<void>;
}

const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();

export function makeItems(n: number, from = 0): Rec[] {
  // Every fifth record shares its predecessor's updated_at: ties the cursor must break by key.
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      id: `it_${String(i).padStart(4, "0")}`,
      name: `item ${i}`,
      updated_at: at(i - (i % 5 === 4 ? 1 : 0)),
    };
  });
}

const sorted = (rs: Rec[], since?: unknown) =>
  rs
    .filter((r) => since === undefined || since === "" || r.updated_at >= String(since))
    .sort((a, b) =>
      a.updated_at === b.updated_at ? (a.id < b.id ? -1 : 1) : a.updated_at < b.updated_at ? -1 : 1,
    );

async function bodyOf(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const c of req) s += String(c);
  return s;
}

export interface RestApiOptions {
  auth?: "bearer" | "oauth2" | "api_key_query" | "api_key_header" | "basic";
  /** `/post_cursor/search`: the most results one query serves; a page past them answers 400, as HubSpot's search. */
  searchCeiling?: number;
  /** `/post_cursor/search`: how long each page takes to answer (ms). */
  searchDelayMs?: number;
}

export async function startRestApi(options: RestApiOptions = {}): Promise<RestApi> {
  const authMode = options.auth ?? "bearer";
  let fail: { page: number; status: number; path?: string } | undefined;
  let hold: { page: number; onHeld: () => void } | undefined;
  let revoked = new Set<string>();
  const api: Omit<RestApi, "revokeTokens" | "failAt" | "holdAt" | "close"> = {
    url: "",
    items: makeItems(40),
    invoices: new Map<string, Rec[]>(),
    log: [],
    token: "rest-test-token-5f2a9c",
    issued: [],
  };
  const held: ServerResponse[] = [];

  const page = (res: ServerResponse, p: number, send: () => void, path = "") => {
    if (hold?.page === p) {
      const h = hold;
      hold = undefined;
      held.push(res);
      h.onHeld();
      return false;
    }
    if (fail?.page === p && (fail.path === undefined || fail.path === path)) {
      const status = fail.status;
      fail = undefined;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "this page is broken on purpose" } }));
      return false;
    }
    send();
    api.afterPage?.(path, p);
    return true;
  };
  const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(200, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url!, "http://x");
      const q = Object.fromEntries(u.searchParams);
      const text = await bodyOf(req);
      const body =
        req.headers["content-type"]?.includes("json") && text
          ? (JSON.parse(text) as Record<string, unknown>)
          : undefined;
      const entry: Served = { method: req.method!, path: u.pathname, query: q, body, status: 200 };
      api.log.push(entry);
      if (u.pathname === "/oauth/token") {
        const form = new URLSearchParams(text);
        if (form.get("client_id") !== "cid" || form.get("client_secret") !== "rest-test-secret-8d1e") {
          entry.status = 401;
          res.writeHead(401).end();
          return;
        }
        const token = `oauth-token-${api.issued.length + 1}-7c3b`;
        api.issued.push(token);
        return json(res, { access_token: token, token_type: "bearer", expires_in: 3600 });
      }
      const auth = req.headers.authorization ?? "";
      const expected: Record<string, () => boolean> = {
        bearer: () => auth === `Bearer ${api.token}`,
        api_key_query: () => q.api_key === api.token,
        api_key_header: () => req.headers["x-api-key"] === api.token,
        basic: () => auth === `Basic ${Buffer.from(`svc:${api.token}`).toString("base64")}`,
        oauth2: () => api.issued.some((t) => auth === `Bearer ${t}` && !revoked.has(t)),
      };
      const ok = expected[authMode]!();
      if (!ok) {
        entry.status = 401;
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "bad token" } }));
        return;
      }
      const style = u.pathname.split("/")[1] as Style;
      const all = sorted(
        api.items,
        q.since ?? (body?.filter as { updated_after?: string } | undefined)?.updated_after,
      );
      const slice = (start: number) => all.slice(start, start + PAGE);
      switch (u.pathname) {
        case "/json_link/items": {
          const start = Number(q.after ?? 0);
          const next =
            start + PAGE < all.length
              ? `/json_link/items?since=${encodeURIComponent(q.since ?? "")}&after=${start + PAGE}`
              : null;
          page(res, start / PAGE + 1, () => json(res, { data: slice(start), links: { next } }));
          return;
        }
        case "/header_link/items": {
          const start = Number(q.after ?? 0);
          const link: Record<string, string> =
            start + PAGE < all.length
              ? {
                  link: `<${api.url}/header_link/items?since=${encodeURIComponent(q.since ?? "")}&after=${start + PAGE}>; rel="next", <${api.url}/header_link/items>; rel="first"`,
                }
              : {};
          page(res, start / PAGE + 1, () => json(res, slice(start), link));
          return;
        }
        case "/cursor_body/items":
        case "/cursor_header/items": {
          const start = q.cursor ? Number(Buffer.from(q.cursor, "base64url").toString()) : 0;
          const next =
            start + PAGE < all.length ? Buffer.from(String(start + PAGE)).toString("base64url") : null;
          if (style === "cursor_body")
            page(res, start / PAGE + 1, () =>
              json(res, { items: slice(start), meta: { next_cursor: next } }),
            );
          else
            page(res, start / PAGE + 1, () => json(res, slice(start), next ? { "x-next-cursor": next } : {}));
          return;
        }
        case "/offset/items": {
          const start = Number(q.offset ?? 0);
          const limit = Number(q.limit ?? 10);
          page(res, start / limit + 1, () =>
            json(res, { results: all.slice(start, start + limit), total: all.length }),
          );
          return;
        }
        case "/page_number/items": {
          const p = Number(q.page ?? 1);
          const per = Number(q.per_page ?? 10);
          page(res, p, () =>
            json(res, { data: all.slice((p - 1) * per, p * per), total_pages: Math.ceil(all.length / per) }),
          );
          return;
        }
        case "/post_cursor/search": {
          const after = Number(body?.after ?? 0);
          const limit = Number(body?.limit ?? 10);
          const next = after + limit < all.length ? { next: { after: String(after + limit) } } : {};
          if (options.searchCeiling !== undefined && after >= options.searchCeiling) {
            entry.status = 400;
            res.writeHead(400, { "content-type": "application/json" });
            res.end(
              JSON.stringify({ error: { message: `results are limited to ${options.searchCeiling}` } }),
            );
            return;
          }
          if (options.searchDelayMs) await new Promise((r) => setTimeout(r, options.searchDelayMs));
          page(res, after / limit + 1, () =>
            json(res, { results: all.slice(after, after + limit), paging: next }),
          );
          return;
        }
        case "/customers":
          return json(res, { data: [...api.invoices.keys()].map((id) => ({ id, name: `customer ${id}` })) });
      }
      const m = /^\/customers\/([^/]+)\/invoices$/.exec(u.pathname);
      if (m && api.invoices.has(m[1]!)) {
        const list = sorted(api.invoices.get(m[1]!)!, q.since);
        const start = Number(q.offset ?? 0);
        const send = () => json(res, { results: list.slice(start, start + 3), total: list.length });
        page(res, start / 3 + 1, send, u.pathname);
        return;
      }
      entry.status = 404;
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(api, {
    revokeTokens: () => (revoked = new Set(api.issued)),
    failAt: (p: number, status = 400, path?: string) => (fail = { page: p, status, path }),
    holdAt: (p: number, onHeld: () => void) => (hold = { page: p, onHeld }),
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
