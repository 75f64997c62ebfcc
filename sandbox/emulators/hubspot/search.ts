import type { EmulatorContext } from "../context.js";
import type { SandboxResponse } from "../interfaces.js";
import { hsError } from "./errors.js";
import { propsOf, type HubspotObjects, type ObjectType, type Rec } from "./objects.js";

/**
 * `POST /crm/v3/objects/{type}/search`: filter groups (OR of ANDs: at most 5 groups, 6 filters
 * a group, 18 in all), one sort, `limit` up to 200, `after` the offset of the page, and the
 * ceiling every HubSpot user meets: no page past the 10,000th result (a 400), whatever `total`
 * says. Archived records are never found.
 */

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_CEILING = 10_000;

interface Filter {
  propertyName?: string;
  operator?: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

/** A property value as HubSpot compares it: numbers and datetimes (ISO or epoch ms) by value. */
function comparable(v: unknown): number | string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const s = String(v);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  return s.toLowerCase();
}

function cmp(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const OPERATORS = new Set([
  "EQ",
  "NEQ",
  "LT",
  "LTE",
  "GT",
  "GTE",
  "BETWEEN",
  "IN",
  "NOT_IN",
  "HAS_PROPERTY",
  "NOT_HAS_PROPERTY",
  "CONTAINS_TOKEN",
  "NOT_CONTAINS_TOKEN",
]);

function matches(r: Rec, f: Filter): boolean {
  const raw = f.propertyName === "hs_object_id" ? r.id : propsOf(r)[f.propertyName!];
  const v = comparable(raw);
  const op = f.operator!;
  if (op === "HAS_PROPERTY") return v !== undefined;
  if (op === "NOT_HAS_PROPERTY") return v === undefined;
  if (op === "NEQ") return v === undefined || cmp(v, comparable(f.value) ?? "") !== 0;
  if (op === "NOT_IN")
    return v === undefined || !(f.values ?? []).some((x) => cmp(v, comparable(x) ?? "") === 0);
  if (op === "NOT_CONTAINS_TOKEN")
    return !String(raw ?? "")
      .toLowerCase()
      .includes(String(f.value ?? "").toLowerCase());
  if (v === undefined) return false;
  const c = () => cmp(v, comparable(f.value) ?? "");
  switch (op) {
    case "EQ":
      return c() === 0;
    case "LT":
      return c() < 0;
    case "LTE":
      return c() <= 0;
    case "GT":
      return c() > 0;
    case "GTE":
      return c() >= 0;
    case "BETWEEN":
      return c() >= 0 && cmp(v, comparable(f.highValue) ?? "") <= 0;
    case "IN":
      return (f.values ?? []).some((x) => cmp(v, comparable(x) ?? "") === 0);
    case "CONTAINS_TOKEN":
      return String(raw)
        .toLowerCase()
        .includes(
          String(f.value ?? "")
            .replace(/\*/g, "")
            .toLowerCase(),
        );
  }
  return false;
}

export function search(
  ctx: EmulatorContext,
  objects: HubspotObjects,
  type: ObjectType,
  body: unknown,
): SandboxResponse {
  const bad = (message: string) => hsError(ctx.rng, 400, "VALIDATION_ERROR", message);
  const b = (body ?? {}) as Rec;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return bad("Invalid input JSON on line 1, column 1: the body must be a JSON object");
  const limit = b.limit === undefined ? 10 : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX_LIMIT)
    return bad(`limit must be between 1 and ${SEARCH_MAX_LIMIT}, got ${String(b.limit)}`);
  const after = b.after === undefined || b.after === null || b.after === "" ? 0 : Number(b.after);
  if (!Number.isInteger(after) || after < 0) return bad(`Invalid input for after: ${String(b.after)}`);
  const ceiling = ctx.options.hubspotSearchCeiling || SEARCH_CEILING;
  if (after >= ceiling)
    return bad(
      `Search results are limited to ${ceiling.toLocaleString("en-US")}: after ${after} is past the last result a search can return. Narrow the filters (e.g. on hs_lastmodifieddate) instead of paging further.`,
    );
  const groups = (Array.isArray(b.filterGroups) ? b.filterGroups : []) as { filters?: Filter[] }[];
  if (groups.length > 5) return bad(`At most 5 filterGroups are allowed, got ${groups.length}`);
  let total = 0;
  for (const g of groups) {
    const fs = g.filters ?? [];
    if (fs.length > 6) return bad(`At most 6 filters a filterGroup are allowed, got ${fs.length}`);
    total += fs.length;
    for (const f of fs) {
      if (!f.propertyName) return bad("filter is missing propertyName");
      if (!OPERATORS.has(String(f.operator))) return bad(`Unknown operator ${String(f.operator)}`);
    }
  }
  if (total > 18) return bad(`At most 18 filters are allowed in all, got ${total}`);
  const sorts = (Array.isArray(b.sorts) ? b.sorts : []) as (
    string | { propertyName?: string; direction?: string }
  )[];
  if (sorts.length > 1) return bad("Only one sort is allowed");
  const sort = sorts[0];
  const sortBy = typeof sort === "string" ? sort.replace(/^-/, "") : sort?.propertyName;
  const descending =
    typeof sort === "string" ? sort.startsWith("-") : sort?.direction?.toUpperCase() === "DESCENDING";
  const text = typeof b.query === "string" ? b.query.toLowerCase() : undefined;

  const found = objects
    .rows(type)
    .filter((r) => !r.archived)
    .filter((r) => !groups.length || groups.some((g) => (g.filters ?? []).every((f) => matches(r, f))))
    .filter(
      (r) =>
        !text ||
        ["name", "domain", "dealname"].some((k) =>
          String(propsOf(r)[k] ?? "")
            .toLowerCase()
            .includes(text),
        ),
    )
    .slice()
    .sort((x, y) => {
      const byId = Number(x.id) - Number(y.id);
      if (!sortBy) return byId;
      const a = comparable(sortBy === "hs_object_id" ? x.id : propsOf(x)[sortBy]);
      const c = comparable(sortBy === "hs_object_id" ? y.id : propsOf(y)[sortBy]);
      const d = a === undefined ? (c === undefined ? 0 : 1) : c === undefined ? -1 : cmp(a, c);
      return (descending ? -d : d) || byId;
    });
  const size = Math.min(limit, ceiling - after);
  const page = found.slice(after, after + size);
  const properties = Array.isArray(b.properties) ? (b.properties as string[]) : undefined;
  const out: Rec = {
    total: found.length,
    results: page.map((r) => {
      const v = objects.view(type, r, properties);
      delete v.archivedAt;
      return v;
    }),
  };
  // As HubSpot does: the next page is announced while `total` has more, even past the ceiling.
  if (after + size < found.length) out.paging = { next: { after: String(after + size) } };
  return { status: 200, body: out };
}
