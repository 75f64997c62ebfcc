import type { HttpRequest, NextPage } from "./interfaces.js";

/** The body names the next page's URL (Salesforce `nextRecordsUrl`, Zendesk `after_url`). */
export function nextUrl<T>(get: (body: T) => string | null | undefined): NextPage<T> {
  return (res) => {
    const url = get(res.body);
    return url ? { path: url } : undefined;
  };
}

/** `limit`/`offset` paging (NetSuite SuiteQL), while the body says there is more. */
export function offsetLimit<T>(o: {
  offsetParam?: string;
  limitParam?: string;
  pageSize: number;
  hasMore: (body: T) => boolean;
}): NextPage<T> {
  const off = o.offsetParam ?? "offset";
  const lim = o.limitParam ?? "limit";
  return (res, req): HttpRequest | undefined => {
    if (!o.hasMore(res.body)) return undefined;
    const offset = Number(req.query?.[off] ?? 0) + o.pageSize;
    return { ...req, query: { ...req.query, [off]: offset, [lim]: o.pageSize } };
  };
}

/** Stripe: the next page starts after the last object of this one. */
export function startingAfter<T>(o: {
  idOf: (body: T) => string | undefined;
  hasMore: (body: T) => boolean;
}): NextPage<T> {
  return (res, req) => {
    const id = o.idOf(res.body);
    if (!o.hasMore(res.body) || !id) return undefined;
    return { ...req, query: { ...req.query, starting_after: id } };
  };
}

/** A cursor token passed back as a query parameter. */
export function cursorParam<T>(o: { param: string; next: (body: T) => string | undefined }): NextPage<T> {
  return (res, req) => {
    const c = o.next(res.body);
    return c ? { ...req, query: { ...req.query, [o.param]: c } } : undefined;
  };
}
