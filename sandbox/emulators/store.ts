/**
 * The world in memory, as the emulators serve it. Records keep their vendor shape; every
 * edit (admin PATCH, reverse-ETL write, delete) goes through here so that modification
 * timestamps move the way the vendor moves them and the change is recorded in `changes` (the
 * Stripe emulator derives `/v1/events` from that log).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { SystemName, WorldStore } from "./interfaces.js";

export const SYSTEMS: SystemName[] = ["salesforce", "stripe", "netsuite", "zendesk", "hubspot"];

/** The id field of each system's records. Zendesk ids are numbers; the store indexes them as strings. */
export const ID_FIELD: Record<SystemName, string> = {
  salesforce: "Id",
  stripe: "id",
  netsuite: "id",
  zendesk: "id",
  hubspot: "id",
};

export interface WorldChange {
  seq: number;
  system: SystemName;
  object: string;
  id: string;
  kind: "created" | "updated" | "deleted";
  /** Emulated time of the change. */
  at: Date;
  /** Field values before the change (top-level keys that changed), for Stripe's previous_attributes. */
  previous?: Record<string, unknown>;
  /** The record after the change (before it, for deletes). */
  record: Record<string, unknown>;
}

/** Salesforce: `2026-11-22T10:00:00.000+0000`. */
export function salesforceTime(d: Date): string {
  return d.toISOString().replace("Z", "+0000");
}

/** Zendesk: `2026-11-22T10:00:00Z` (whole seconds). */
export function zendeskTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** NetSuite with the account's default preference: `11/22/2026 10:00 am` (no seconds, UTC here). */
export function netsuiteDateTime(d: Date): string {
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h12}:${mm} ${h < 12 ? "am" : "pm"}`;
}

/** Parses NetSuite's `M/D/YYYY h:mm am` (or a date `M/D/YYYY`) as UTC. */
export function parseNetsuiteDateTime(s: string): Date | undefined {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm))?$/i.exec(s.trim());
  if (!m) return undefined;
  let h = m[4] ? Number(m[4]) % 12 : 0;
  if (m[7]?.toLowerCase() === "pm") h += 12;
  return new Date(
    Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), h, Number(m[5] ?? 0), Number(m[6] ?? 0)),
  );
}

/** Sets the vendor's own "last modified" fields of a record to `at`. */
function touch(system: SystemName, record: Record<string, unknown>, at: Date): void {
  switch (system) {
    case "salesforce":
      record.SystemModstamp = salesforceTime(at);
      if ("LastModifiedDate" in record) record.LastModifiedDate = salesforceTime(at);
      break;
    case "zendesk":
      record.updated_at = zendeskTime(at);
      break;
    case "netsuite":
      if ("lastmodifieddate" in record) record.lastmodifieddate = netsuiteDateTime(at);
      // The precise time SuiteQL's TO_CHAR(lastmodifieddate, '… HH24:MI:SS') would show.
      record.__lastmodified_ms = at.getTime();
      break;
    case "hubspot": {
      // HubSpot: the object's updatedAt and its hs_lastmodifieddate property, in milliseconds.
      const iso = at.toISOString();
      record.updatedAt = iso;
      record.properties = {
        ...((record.properties ?? {}) as Record<string, unknown>),
        hs_lastmodifieddate: iso,
      };
      break;
    }
    case "stripe":
      break; // Stripe objects carry no modification time; the change shows as an event.
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7396 JSON merge patch, returning the previous values of the top-level keys it touched. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (isObject(v) && isObject(target[k])) mergePatch(target[k] as Record<string, unknown>, v);
    else target[k] = structuredClone(v);
  }
}

export class MemoryWorldStore implements WorldStore {
  readonly asOf: Date;
  readonly seed: number;
  readonly scale: number;
  readonly changes: WorldChange[] = [];
  private readonly startedAt = Date.now();
  private readonly tables = new Map<string, Record<string, unknown>[]>();
  private readonly index = new Map<string, Map<string, Record<string, unknown>>>();
  /** Offset added to the emulated clock (tests move time forward without waiting). */
  private skewMs = 0;

  constructor(world: { asOf: Date; seed?: number; scale?: number }) {
    this.asOf = world.asOf;
    this.seed = world.seed ?? 0;
    this.scale = world.scale ?? 0;
  }

  /** Reads a world folder (CONTRACTS.md §3). */
  static load(dir: string): MemoryWorldStore {
    const meta = JSON.parse(readFileSync(path.join(dir, "world.json"), "utf8")) as {
      as_of: string;
      seed?: number;
      scale?: number;
    };
    const store = new MemoryWorldStore({ asOf: new Date(meta.as_of), seed: meta.seed, scale: meta.scale });
    for (const system of SYSTEMS) {
      const sysDir = path.join(dir, system);
      if (!existsSync(sysDir)) continue;
      for (const file of readdirSync(sysDir).sort()) {
        if (!file.endsWith(".jsonl")) continue;
        const object = file.slice(0, -".jsonl".length);
        const text = readFileSync(path.join(sysDir, file), "utf8");
        const rows: Record<string, unknown>[] = [];
        for (const line of text.split("\n")) if (line.trim()) rows.push(JSON.parse(line));
        store.setTable(system, object, rows);
      }
    }
    return store;
  }

  private key(system: SystemName, object: string): string {
    return `${system}/${object}`;
  }

  setTable(system: SystemName, object: string, rows: Record<string, unknown>[]): void {
    const k = this.key(system, object);
    this.tables.set(k, rows);
    const idx = new Map<string, Record<string, unknown>>();
    for (const r of rows) idx.set(String(r[ID_FIELD[system]]), r);
    this.index.set(k, idx);
  }

  objects(system: SystemName): string[] {
    const prefix = `${system}/`;
    return [...this.tables.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  now(): Date {
    return new Date(this.asOf.getTime() + (Date.now() - this.startedAt) + this.skewMs);
  }

  /** Moves the emulated clock forward (admin `POST /__sandbox/clock {"advance_seconds":…}`). */
  advance(ms: number): void {
    this.skewMs += ms;
  }

  list(system: SystemName, object: string): readonly Record<string, unknown>[] {
    return this.tables.get(this.key(system, object)) ?? [];
  }

  get(system: SystemName, object: string, id: string): Record<string, unknown> | undefined {
    return this.index.get(this.key(system, object))?.get(String(id));
  }

  patch(
    system: SystemName,
    object: string,
    id: string,
    patch: Record<string, unknown>,
    at: Date = this.now(),
  ): Record<string, unknown> {
    const record = this.get(system, object, id);
    if (!record) throw new NotFound(system, object, id);
    const previous: Record<string, unknown> = {};
    for (const k of Object.keys(patch)) previous[k] = structuredClone(record[k] ?? null);
    mergePatch(record, patch);
    touch(system, record, at);
    this.record({ system, object, id: String(id), kind: "updated", at, previous, record });
    return record;
  }

  put(system: SystemName, object: string, record: Record<string, unknown>, at: Date = this.now()): void {
    const k = this.key(system, object);
    if (!this.tables.has(k)) this.setTable(system, object, []);
    const id = String(record[ID_FIELD[system]]);
    const existing = this.get(system, object, id);
    if (existing) {
      for (const key of Object.keys(existing)) delete existing[key];
      Object.assign(existing, record);
      this.record({ system, object, id, kind: "updated", at, record: existing });
    } else {
      this.tables.get(k)!.push(record);
      this.index.get(k)!.set(id, record);
      this.record({ system, object, id, kind: "created", at, record });
    }
  }

  /**
   * Deletes as the vendor does: Salesforce keeps the row with `IsDeleted: true` (only `queryAll`
   * sees it); the others drop it from lists (Stripe reports it as a `*.deleted` event).
   */
  remove(system: SystemName, object: string, id: string, at: Date = this.now()): void {
    const record = this.get(system, object, id);
    if (!record) throw new NotFound(system, object, id);
    if (system === "salesforce") {
      record.IsDeleted = true;
      touch(system, record, at);
    } else {
      const k = this.key(system, object);
      const rows = this.tables.get(k)!;
      rows.splice(rows.indexOf(record), 1);
      this.index.get(k)!.delete(String(id));
    }
    this.record({ system, object, id: String(id), kind: "deleted", at, record });
  }

  private record(c: Omit<WorldChange, "seq">): void {
    this.changes.push({ ...c, seq: this.changes.length + 1, record: structuredClone(c.record) });
  }
}

export class NotFound extends Error {
  constructor(
    readonly system: string,
    readonly object: string,
    readonly id: string,
  ) {
    super(`no ${system} ${object} with id ${id}`);
  }
}
