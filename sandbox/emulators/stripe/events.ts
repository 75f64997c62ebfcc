import { createHash } from "node:crypto";
import type { SandboxRequest, SandboxResponse } from "../interfaces.js";
import type { MemoryWorldStore } from "../store.js";
import { page } from "./paging.js";
import { TYPES, byCreatedDesc, createdFilter, err, list, str } from "./params.js";

type Rec = Record<string, unknown>;

const EVENT_RETENTION_S = 30 * 86_400;

/** Events: `*.created` for objects created in the last 30 days, then every recorded change. */
export function stripeEvents(
  store: MemoryWorldStore,
  version: string,
  shaped: (object: string, rec: Rec) => Rec,
): Rec[] {
  const now = Math.floor(store.now().getTime() / 1000);
  const since = now - EVENT_RETENTION_S;
  const out: Rec[] = [];
  const evt = (type: string, created: number, object: Rec, extra: Rec = {}, seq = 0): Rec => ({
    id: `evt_${createHash("sha1")
      .update(`${type}:${String(object.id)}:${created}:${seq}`)
      .digest("hex")
      .slice(0, 24)}`,
    object: "event",
    // Rendered in the version asked for, as for an account whose default version it is.
    api_version: version,
    created,
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
    data: { object: object.deleted === true ? object : shaped(type, object), ...extra },
  });
  for (const t of Object.values(TYPES)) {
    for (const r of store.list("stripe", t.object)) {
      const c = Number(r.created);
      if (c >= since && c <= now && r.deleted !== true) out.push(evt(`${t.event}.created`, c, r));
    }
  }
  for (const ch of store.changes) {
    if (ch.system !== "stripe") continue;
    const t = TYPES[ch.object];
    if (!t) continue;
    const created = Math.floor(ch.at.getTime() / 1000);
    if (created < since) continue;
    if (ch.kind === "created") continue; // covered above from the object itself
    out.push(
      evt(
        `${t.event}.${ch.kind}`,
        created,
        ch.kind === "deleted" ? { ...ch.record, deleted: true } : ch.record,
        ch.previous ? { previous_attributes: ch.previous } : {},
        ch.seq,
      ),
    );
  }
  return out.sort(byCreatedDesc);
}

/** `GET /v1/events`: filtered by `created`, `type` (a trailing `*` matches a prefix) or `types`. */
export function listEvents(req: SandboxRequest, all: Rec[]): SandboxResponse {
  let rows = all;
  const created = createdFilter(req.query);
  const type = str(req.query, "type");
  const types = list(req.query, "types");
  const match = (t: string, pattern: string) =>
    pattern.endsWith("*") ? t.startsWith(pattern.slice(0, -1)) : t === pattern;
  rows = rows.filter(
    (e) =>
      (!created || created(Number(e.created))) &&
      (!type || match(String(e.type), type)) &&
      (types.length === 0 || types.some((p) => match(String(e.type), p))),
  );
  return page(req, rows, "/v1/events", (r) => r);
}

export function retrieveEvent(id: string, all: Rec[]): SandboxResponse {
  const e = all.find((x) => x.id === id);
  return e
    ? { status: 200, body: e }
    : err(404, "invalid_request_error", `No such event: '${id}'`, {
        code: "resource_missing",
        param: "id",
      });
}
