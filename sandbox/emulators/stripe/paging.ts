import type { SandboxRequest, SandboxResponse } from "../interfaces.js";
import { err, str } from "./params.js";

type Rec = Record<string, unknown>;

/** A page of a list, Stripe's way: `limit` (1-100), `starting_after` or `ending_before`, `has_more`. */
export function page(
  req: SandboxRequest,
  rows: Rec[],
  url: string,
  render: (r: Rec) => Rec,
): SandboxResponse {
  const limitRaw = str(req.query, "limit");
  const limit = limitRaw === undefined ? 10 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return err(400, "invalid_request_error", "Invalid integer: limit must be between 1 and 100", {
      param: "limit",
    });
  const after = str(req.query, "starting_after");
  const before = str(req.query, "ending_before");
  if (after && before)
    return err(
      400,
      "invalid_request_error",
      "You may only specify one of these parameters: ending_before, starting_after.",
    );
  let start = 0;
  let end = rows.length;
  if (after) {
    const i = rows.findIndex((r) => r.id === after);
    if (i < 0)
      return err(400, "invalid_request_error", `No such object: '${after}'`, {
        code: "resource_missing",
        param: "starting_after",
      });
    start = i + 1;
  }
  if (before) {
    const i = rows.findIndex((r) => r.id === before);
    if (i < 0)
      return err(400, "invalid_request_error", `No such object: '${before}'`, {
        code: "resource_missing",
        param: "ending_before",
      });
    end = i;
    start = Math.max(0, end - limit);
  }
  const data = rows.slice(start, Math.min(end, start + limit));
  const hasMore = before ? start > 0 : start + limit < end;
  return { status: 200, body: { object: "list", url, has_more: hasMore, data: data.map(render) } };
}
