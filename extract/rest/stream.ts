import type { RestPaginatorConfig, RestResourceConfig } from "../../config/rest-source.js";
import { ConfigError } from "../../core/errors.js";
import type { Cursor, ExtractBatch } from "../../load/interfaces.js";
import type { HttpResponse } from "../http/interfaces.js";
import { IncrementalPass, type Position } from "./incremental.js";
import { getPath, render, renderPath, setPath, type Bindings, type Json } from "./json-path.js";
import { firstPage, pager, type PageRequest } from "./paginators.js";

/** What a resource's pages are read with: the source's requester and settings. */
export interface ResourceReader {
  source: string;
  name: string;
  resource: RestResourceConfig;
  paginator: RestPaginatorConfig;
  lookbackSeconds: number;
  send(req: PageRequest, headers: Record<string, string>): Promise<HttpResponse>;
  now(): Date;
}

/** A `defineSource` record selector and record map. */
export type SelectRecords = (body: unknown, res: HttpResponse) => unknown[];
export type MapRecord = (record: Json, ctx: { parent?: Json }) => Json | undefined;

export const primaryKeyPaths = (r: RestResourceConfig) =>
  Array.isArray(r.primaryKey) ? r.primaryKey : [r.primaryKey];

function keyOf(record: Json, paths: readonly string[]): string {
  const values = paths.map((p) => getPath(record, p) ?? null);
  return values.length === 1 ? String(values[0]) : JSON.stringify(values);
}

function selectRecords(rd: ResourceReader, res: HttpResponse): Json[] {
  const r = rd.resource;
  const got = r.selectRecords
    ? (r.selectRecords as unknown as SelectRecords)(res.body, res)
    : r.records
      ? getPath(res.body, r.records)
      : res.body;
  if (got === undefined || got === null) return [];
  if (!Array.isArray(got))
    throw new ConfigError(
      `sources.${rd.source}.resources.${rd.name}.records: ${r.records ? `${r.records} in the response is not an array` : "the response body is not an array; give the dotted path to its records"} (${res.url})`,
    );
  return got as Json[];
}

/** The first page's request of a resource, for one parent record (child resources) and start value. */
function firstRequest(rd: ResourceReader, start: unknown, parent?: Json): PageRequest {
  const r = rd.resource;
  const b: Bindings = { parent, incremental: start === undefined ? undefined : { start } };
  let req: PageRequest = {
    method: r.method,
    path: renderPath(r.path, b),
    query: render(r.params, b) as PageRequest["query"],
    body: r.body === undefined ? undefined : (render(r.body, b) as Json),
  };
  const inc = r.incremental;
  if (inc && start !== undefined) {
    if (inc.param) req = { ...req, query: { ...req.query, [inc.param]: start as string | number } };
    if (inc.bodyPath) req = { ...req, body: setPath(req.body, inc.bodyPath, start) };
  }
  return firstPage(rd.paginator, req);
}

interface Page {
  records: Json[];
  next: PageRequest | undefined;
  number: number;
}

/** Every page of a resource from `first` on, each with the request that follows it. */
async function* pages(rd: ResourceReader, first: PageRequest): AsyncGenerator<Page> {
  const next = pager(rd.paginator);
  const headers = rd.resource.headers;
  let req: PageRequest | undefined = first;
  for (let number = 1; req; number++) {
    const res = await rd.send(req, headers);
    const records = selectRecords(rd, res);
    const following = next(res, req, records);
    yield { records, next: following, number };
    req = following;
  }
}

/** Fields of the parent record copied into a child record: `_<parent>_<field>`. */
function withParent(record: Json, rd: ResourceReader, parent: Json | undefined): Json {
  const r = rd.resource;
  if (!parent || !r.includeFromParent.length) return record;
  const out = { ...record };
  for (const f of r.includeFromParent) out[`_${r.parent!}_${f.replace(/\./g, "_")}`] = getPath(parent, f);
  return out;
}

/** One page's records that land, and where each came from. */
function landing(rd: ResourceReader, page: Page, pass: IncrementalPass, parent?: Json) {
  const r = rd.resource;
  const pk = primaryKeyPaths(r);
  const map = r.map as unknown as MapRecord | undefined;
  const records: Json[] = [];
  const positions: string[] = [];
  for (const raw of page.records) {
    const record = withParent(raw, rd, parent);
    const key = keyOf(record, pk);
    if (!pass.admit(r.incremental ? getPath(record, r.incremental.cursorPath) : undefined, key)) continue;
    const mapped = map ? map(record, { parent }) : record;
    if (!mapped) continue;
    records.push(mapped);
    positions.push(`${rd.name} page ${page.number} key ${key}`);
  }
  return { records, positions };
}

/** A top-level resource: from the saved position, page by page, each page's position committed with it. */
export async function* readResource(
  rd: ResourceReader,
  cursor: Cursor | undefined,
): AsyncGenerator<ExtractBatch> {
  const pass = new IncrementalPass(
    rd.resource.incremental,
    cursor as Position | undefined,
    rd.lookbackSeconds,
  );
  let from: PageRequest | undefined = pass.resumeAt ?? firstRequest(rd, pass.start);
  while (from) {
    const query: PageRequest = from;
    from = undefined;
    for await (const page of pages(rd, query)) {
      const landed = landing(rd, page, pass);
      // At the API's result ceiling, the pass goes on with a query from the largest value seen.
      const narrowed = page.next
        ? pass.narrowAt(page.records.length, `sources.${rd.source}.resources.${rd.name}`)
        : undefined;
      const next = narrowed === undefined ? page.next : firstRequest(rd, narrowed);
      yield { ...landed, cursor: pass.position(next) as Cursor };
      if (narrowed !== undefined) {
        from = next;
        break;
      }
    }
  }
}

/** Whether a finished parent's position is the one it had (nothing new, or nothing at all). */
function samePosition(a: Position, b: Position | undefined): boolean {
  return (
    !a.pass &&
    !b?.pass &&
    a.value === b?.value &&
    JSON.stringify(a.keys ?? []) === JSON.stringify(b?.keys ?? [])
  );
}

/** A child resource's state: a position per parent key, and the pass under way (when one is). */
interface ChildState {
  /** When the pass under way began (ms); parents it finished carry it as `done`. */
  pass?: number;
  parents: Record<string, Position & { done?: number }>;
}

/**
 * A child resource: read once per record of its parent, each parent with its own position
 * (incremental per parent). The parent resource is listed in full every pass (its records land
 * through its own stream); a resumed pass skips the parents it finished.
 */
export async function* readChild(
  rd: ResourceReader,
  parentRd: ResourceReader,
  cursor: Cursor | undefined,
): AsyncGenerator<ExtractBatch> {
  const saved = cursor as ChildState | undefined;
  const passId = saved?.pass ?? rd.now().getTime();
  const parents: ChildState["parents"] = { ...saved?.parents };
  const parentPk = primaryKeyPaths(parentRd.resource);
  const parentStart = parentRd.resource.incremental?.initialValue;
  for await (const parentPage of pages(parentRd, firstRequest(parentRd, parentStart))) {
    for (const parent of parentPage.records) {
      const pk = keyOf(parent, parentPk);
      if (parents[pk]?.done === passId) continue;
      const was = parents[pk];
      const pass = new IncrementalPass(rd.resource.incremental, parents[pk], rd.lookbackSeconds);
      for await (const page of pages(rd, pass.resumeAt ?? firstRequest(rd, pass.start, parent))) {
        // The page's records first: they move the pass's largest value.
        const landed = landing(rd, page, pass, parent);
        const position = pass.position(page.next);
        parents[pk] = page.next ? position : { ...position, done: passId };
        // A parent with nothing new commits nothing of its own (most parents, most runs): the
        // pass's last batch records it, and a resumed pass asks it again, for nothing again.
        const changed = landed.records.length > 0 || page.next || !samePosition(position, was);
        if (changed)
          yield { ...landed, cursor: { pass: passId, parents: { ...parents } } satisfies ChildState };
      }
    }
  }
  // The pass is complete: the next one starts anew, each parent from where it reached.
  const finished: ChildState["parents"] = {};
  for (const [pk, p] of Object.entries(parents)) {
    const { done: _done, pass: _pass, ...rest } = p;
    if (Object.keys(rest).length) finished[pk] = rest;
  }
  yield { records: [], cursor: { parents: finished } satisfies ChildState };
}
