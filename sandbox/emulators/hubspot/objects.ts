import type { EmulatorContext } from "../context.js";
import type { SandboxResponse } from "../interfaces.js";
import { hsError } from "./errors.js";

/**
 * HubSpot CRM objects as the v3 API returns them: `{id, properties, createdAt, updatedAt,
 * archived}` with every property value a string (or null), the properties asked for plus the
 * three HubSpot always returns, and `associations` only when asked.
 */

export type Rec = Record<string, unknown>;
export type ObjectType = "companies" | "deals";

export const OBJECT_TYPES: Record<string, ObjectType> = {
  companies: "companies",
  company: "companies",
  "0-2": "companies",
  deals: "deals",
  deal: "deals",
  "0-3": "deals",
};

/** What a list or a read returns without a `properties` parameter. */
export const DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  companies: ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
  deals: [
    "amount",
    "closedate",
    "createdate",
    "dealname",
    "dealstage",
    "hs_lastmodifieddate",
    "hs_object_id",
    "pipeline",
  ],
};

const ALWAYS = ["createdate", "hs_lastmodifieddate", "hs_object_id"];

/** Properties HubSpot computes: a write naming one is refused. */
export const READ_ONLY = new Set(["hs_object_id", "createdate", "hs_lastmodifieddate"]);

const SINGULAR: Record<ObjectType, string> = { companies: "company", deals: "deal" };

export function propsOf(r: Rec): Rec {
  return (r.properties ?? {}) as Rec;
}

/** A comma-separated (or repeated) query parameter as a list. */
export function listParam(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
}

export class HubspotObjects {
  private schema = new Map<ObjectType, Set<string>>();

  constructor(private readonly ctx: EmulatorContext) {}

  rows(type: ObjectType): readonly Rec[] {
    return this.ctx.store.list("hubspot", type);
  }

  get(type: ObjectType, id: string): Rec | undefined {
    return this.ctx.store.get("hubspot", type, id);
  }

  /** The properties the portal defines for a type: every property any record of it has. */
  known(type: ObjectType): Set<string> {
    let s = this.schema.get(type);
    if (!s) {
      s = new Set(ALWAYS);
      for (const r of this.rows(type)) for (const k of Object.keys(propsOf(r))) s.add(k);
      this.schema.set(type, s);
    }
    return s;
  }

  /** A record as the API returns it: the properties asked for (known ones, null when unset). */
  view(type: ObjectType, r: Rec, properties: string[] | undefined, associations?: string[]): Rec {
    const props = propsOf(r);
    const names = properties?.length
      ? [...new Set([...properties, ...ALWAYS])]
      : [...DEFAULT_PROPERTIES[type]];
    const known = this.known(type);
    const out: Rec = {};
    for (const n of names.sort()) if (known.has(n) || n in props) out[n] = props[n] ?? null;
    const view: Rec = {
      id: r.id,
      properties: out,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      archived: r.archived ?? false,
    };
    if (r.archived) view.archivedAt = r.archivedAt ?? r.updatedAt;
    const assoc = associations?.length ? this.associations(type, r, associations) : undefined;
    if (assoc && Object.keys(assoc).length) view.associations = assoc;
    return view;
  }

  /** `associations` of a record: deals carry their companies; a company's deals are looked up. */
  private associations(type: ObjectType, r: Rec, wanted: string[]): Rec {
    const out: Rec = {};
    for (const w of wanted) {
      const other = OBJECT_TYPES[w];
      if (!other || other === type) continue;
      let ids: string[];
      if (type === "deals") {
        const stored = (r.associations as Rec | undefined)?.[other] as { results?: Rec[] } | undefined;
        ids = (stored?.results ?? []).map((a) => String(a.id));
      } else {
        ids = this.rows("deals")
          .filter((d) => !d.archived)
          .filter((d) =>
            (
              ((d.associations as Rec | undefined)?.companies as { results?: Rec[] } | undefined)?.results ??
              []
            )
              .map((a) => String(a.id))
              .includes(String(r.id)),
          )
          .map((d) => String(d.id));
      }
      const label = `${SINGULAR[type]}_to_${SINGULAR[other]}`;
      if (ids.length) out[other] = { results: ids.map((id) => ({ id, type: label })) };
    }
    return out;
  }

  /** `GET /crm/v3/objects/{type}`: by id, `after` the id to start at, at most 100 a page. */
  list(type: ObjectType, q: (k: string) => string | undefined, all: Rec, url: URL): SandboxResponse {
    const limit = q("limit") === undefined ? 10 : Number(q("limit"));
    if (!Number.isInteger(limit) || limit < 1)
      return hsError(
        this.ctx.rng,
        400,
        "VALIDATION_ERROR",
        `limit must be a positive integer, got ${q("limit")}`,
      );
    const size = Math.min(limit, 100);
    const archived = q("archived") === "true";
    const after = q("after");
    if (after !== undefined && !/^\d+$/.test(after))
      return hsError(this.ctx.rng, 400, "VALIDATION_ERROR", `Invalid input for after: ${after}`);
    const rows = this.rows(type)
      .filter((r) => Boolean(r.archived) === archived)
      .filter((r) => after === undefined || Number(r.id) >= Number(after))
      .slice()
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = rows.slice(0, size);
    const properties = listParam(all.properties as string | string[] | undefined);
    const associations = listParam(all.associations as string | string[] | undefined);
    const body: Rec = { results: page.map((r) => this.view(type, r, properties, associations)) };
    const next = rows[size];
    if (next) {
      const link = new URL(url.toString());
      link.searchParams.set("after", String(next.id));
      body.paging = { next: { after: String(next.id), link: link.toString() } };
    }
    return { status: 200, body };
  }

  /** `POST …/batch/read`: up to 100 ids; missing ones are a 207 with OBJECT_NOT_FOUND. */
  batchRead(type: ObjectType, body: Rec, startedAt: string): SandboxResponse {
    const inputs = body.inputs;
    if (!Array.isArray(inputs))
      return hsError(this.ctx.rng, 400, "VALIDATION_ERROR", "Invalid input JSON: inputs is required");
    if (inputs.length > 100)
      return hsError(
        this.ctx.rng,
        400,
        "VALIDATION_ERROR",
        `Batch input size ${inputs.length} exceeds the maximum of 100`,
      );
    const properties = Array.isArray(body.properties) ? (body.properties as string[]) : undefined;
    const results: Rec[] = [];
    const missing: string[] = [];
    for (const i of inputs as Rec[]) {
      const r = this.get(type, String(i.id));
      if (r && !r.archived) results.push(this.view(type, r, properties));
      else missing.push(String(i.id));
    }
    return this.batchAnswer(results, missing, startedAt, "get");
  }

  batchAnswer(results: Rec[], missing: string[], startedAt: string, verb: "get" | "update"): SandboxResponse {
    const completedAt = this.ctx.store.now().toISOString();
    if (!missing.length)
      return { status: 200, body: { status: "COMPLETE", results, startedAt, completedAt } };
    return {
      status: 207,
      body: {
        status: "COMPLETE",
        results,
        numErrors: 1,
        errors: [
          {
            status: "error",
            category: "OBJECT_NOT_FOUND",
            message: `Could not ${verb} some objects, they may be deleted or not exist. Check that ids are valid.`,
            context: { ids: missing },
          },
        ],
        startedAt,
        completedAt,
      },
    };
  }
}
