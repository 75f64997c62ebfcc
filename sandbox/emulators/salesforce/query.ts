import type { SandboxResponse } from "../interfaces.js";
import type { MemoryWorldStore } from "../store.js";
import { sfError } from "./responses.js";
import type { SalesforceSchema } from "./schema.js";
import { canonicalFields, compare, matches, parseSoql } from "./soql.js";

type Rec = Record<string, unknown>;

interface Cursor {
  locator?: string;
  rows: Rec[];
  batch: number;
  /** Emulated time the query ran: locators expire two days later (API 56+). */
  openedAt: number;
}

/** Salesforce keeps 10 open query cursors per user and releases the oldest for an 11th. */
const MAX_OPEN_CURSORS = 10;
const CURSOR_TTL_MS = 2 * 86_400_000;

/** `query` and `queryAll`: a SOQL query's first page, and the pages after it by query locator. */
export class SalesforceQueries {
  private readonly cursors = new Map<string, Cursor>();
  private locators = 0;

  constructor(
    private readonly store: MemoryWorldStore,
    private readonly schema: SalesforceSchema,
  ) {}

  query(q: string, all: boolean, version: string, batch: number): SandboxResponse {
    const raw = parseSoql(q);
    const object = this.store.objects("salesforce").find((o) => o.toLowerCase() === raw.object.toLowerCase());
    if (!object) return sfError(400, "INVALID_TYPE", `sObject type '${raw.object}' is not supported.`);
    const parsed = canonicalFields(
      { ...raw, object },
      this.schema.describe(object).map((f) => f.name),
    );
    let rows = this.store
      .list("salesforce", parsed.object)
      .filter((r) => (all || r.IsDeleted !== true) && matches(parsed.where, r));
    if (parsed.orderBy.length) {
      rows = rows.slice().sort((a, b) => {
        for (const o of parsed.orderBy) {
          const an = a[o.field] === null || a[o.field] === undefined;
          const bn = b[o.field] === null || b[o.field] === undefined;
          if (an !== bn) return an === o.nullsLast ? 1 : -1;
          const c = compare(a[o.field], b[o.field]);
          if (c) return o.desc ? -c : c;
        }
        return 0;
      });
    }
    if (parsed.limit !== undefined) rows = rows.slice(0, parsed.limit);
    if (parsed.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
    // A cursor is a snapshot: later edits do not shift the pages of a query already running.
    const snapshot = rows.map((r) => withAttributes(r, parsed.object, version, parsed.fields));
    return this.pageOf({ rows: snapshot, batch, openedAt: this.store.now().getTime() }, 0, version);
  }

  private pageOf(c: Cursor, offset: number, version: string): SandboxResponse {
    const records = c.rows.slice(offset, offset + c.batch);
    const done = offset + c.batch >= c.rows.length;
    const body: Rec = { totalSize: c.rows.length, done, records };
    if (!done) {
      if (!c.locator) {
        c.locator = `01g${(++this.locators).toString(16).toUpperCase().padStart(15, "0")}`;
        this.cursors.set(c.locator, c);
        for (const old of this.cursors.keys()) {
          if (this.cursors.size <= MAX_OPEN_CURSORS) break;
          this.cursors.delete(old);
        }
      }
      body.nextRecordsUrl = `/services/data/${version}/query/${c.locator}-${offset + c.batch}`;
    }
    return { status: 200, body };
  }

  more(token: string, version: string): SandboxResponse {
    const m = /^(01g[0-9A-F]+)-(\d+)$/.exec(token);
    const c = m ? this.cursors.get(m[1]!) : undefined;
    if (!m || !c || this.store.now().getTime() - c.openedAt > CURSOR_TTL_MS) {
      if (m) this.cursors.delete(m[1]!);
      return sfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    }
    // A locator stays valid until it expires or is released: a client may ask for a page again.
    return this.pageOf(c, Number(m[2]), version);
  }
}

/** A record as the REST API returns it: its `attributes`, then the fields asked for. */
export function withAttributes(r: Rec, object: string, version: string, fields?: string[]): Rec {
  const out: Rec = {
    attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${String(r.Id)}` },
  };
  for (const f of fields ?? Object.keys(r)) out[f] = r[f] ?? null;
  return out;
}
