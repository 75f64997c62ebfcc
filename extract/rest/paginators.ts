import type { RestPaginatorConfig } from "../../config/rest-source.js";
import type { HttpResponse, QueryValue } from "../http/interfaces.js";
import { getPath, setPath, type Json } from "./json-path.js";

/**
 * One page's request, as the stream state keeps it between pages: a crash resumes at the page
 * after the last committed one. JSON only (no headers: auth and static headers are re-applied).
 */
export interface PageRequest {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, QueryValue>;
  body?: Json;
}

/** The request for the page after `res`, or undefined when `res` was the last page. */
export type Pager = (
  res: HttpResponse,
  req: PageRequest,
  records: readonly unknown[],
) => PageRequest | undefined;

/** A `defineSource` paginator: the same contract, in the user's own code. */
export type CustomNext = (
  res: HttpResponse,
  req: PageRequest,
  records: readonly unknown[],
) => PageRequest | undefined;

type Located = { location: "query" | "body" };

function put(req: PageRequest, p: Located, param: string, value: QueryValue): PageRequest {
  if (p.location === "body") return { ...req, body: setPath(req.body, param, value) };
  return { ...req, query: { ...req.query, [param]: value } };
}

function read(req: PageRequest, p: Located, param: string): unknown {
  return p.location === "body" ? getPath(req.body, param) : req.query?.[param];
}

/** RFC 8288: the target of the link whose rel is `rel`. */
export function linkTarget(header: string | null, rel: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rels = /;\s*rel="?([^";]+)"?/i.exec(m[2]!)?.[1]?.split(/\s+/) ?? [];
    if (rels.includes(rel)) return m[1];
  }
  return undefined;
}

const more = (p: { hasMorePath?: string }, body: unknown) =>
  p.hasMorePath === undefined || getPath(body, p.hasMorePath) !== false;

/** The first page's request: offset, limit and page number parameters where the paginator has them. */
export function firstPage(cfg: RestPaginatorConfig, req: PageRequest): PageRequest {
  switch (cfg.type) {
    case "offset":
      return put(put(req, cfg, cfg.offsetParam, 0), cfg, cfg.limitParam, cfg.limit);
    case "page_number": {
      const r = put(req, cfg, cfg.pageParam, cfg.basePage);
      return cfg.pageSize && cfg.pageSizeParam ? put(r, cfg, cfg.pageSizeParam, cfg.pageSize) : r;
    }
    default:
      return req;
  }
}

export function pager(cfg: RestPaginatorConfig): Pager {
  switch (cfg.type) {
    case "single_page":
      return () => undefined;
    case "json_link":
      return (res, req) => {
        const next = getPath(res.body, cfg.nextPath);
        // A link repeats the query it needs; the first request's query is not added again.
        return typeof next === "string" && next
          ? { method: req.method, path: next, body: req.body }
          : undefined;
      };
    case "header_link":
      return (res, req) => {
        const next = linkTarget(res.headers.get("link"), cfg.rel);
        return next ? { method: req.method, path: next, body: req.body } : undefined;
      };
    case "cursor":
      return (res, req) => {
        const c = cfg.cursorPath ? getPath(res.body, cfg.cursorPath) : res.headers.get(cfg.cursorHeader!);
        if (c === undefined || c === null || c === "" || !more(cfg, res.body)) return undefined;
        return put(req, cfg, cfg.param, c as QueryValue);
      };
    case "offset":
      return (res, req, records) => {
        const offset = Number(read(req, cfg, cfg.offsetParam) ?? 0) + records.length;
        const total = cfg.totalPath === undefined ? undefined : Number(getPath(res.body, cfg.totalPath));
        const done = total === undefined ? records.length < cfg.limit : offset >= total;
        if (done || records.length === 0 || !more(cfg, res.body)) return undefined;
        return put(req, cfg, cfg.offsetParam, offset);
      };
    case "page_number":
      return (res, req, records) => {
        const page = Number(read(req, cfg, cfg.pageParam) ?? cfg.basePage);
        const pages =
          cfg.totalPagesPath === undefined ? undefined : Number(getPath(res.body, cfg.totalPagesPath));
        const lastNumber = pages === undefined ? undefined : cfg.basePage + pages - 1;
        const short = cfg.pageSize !== undefined && records.length < cfg.pageSize;
        if (records.length === 0 || short || (lastNumber !== undefined && page >= lastNumber))
          return undefined;
        if (!more(cfg, res.body)) return undefined;
        return put(req, cfg, cfg.pageParam, page + 1);
      };
    case "custom":
      return cfg.next as unknown as CustomNext;
  }
}
