import type { RunningSandbox } from "../../sandbox/emulators/server.js";
import { sameValue } from "../../reverse/sync.js";
import type { Warehouse } from "../../warehouse/interfaces.js";

type Row = Record<string, unknown>;

/** A sync as these checks need it: which destination records are its, and by which key. */
export interface SyncUnderTest {
  name: string;
  system: "salesforce" | "zendesk";
  object: string;
  /** The record id the sync knows the destination record by (its Id, or an external key). */
  recordId: (rec: Row) => string | undefined;
  fields: string[];
}

export const valueAt = (r: Row, path: string): unknown =>
  path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Row)[k] : undefined), r);

/** A copy of every record of the objects the syncs write, before any sync runs. */
export function snapshotRecords(sandbox: RunningSandbox, syncs: SyncUnderTest[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const s of syncs)
    for (const r of sandbox.store.list(s.system, s.object))
      out.set(`${s.system}/${s.object}/${String(r.Id ?? r.id)}`, structuredClone(r));
  return out;
}

/**
 * The changes that landed in the destination, replayed from the sandbox's change log: one entry
 * per (sync, record, field, value) a write set, and one per record deleted; and the writes that
 * changed none of the sync's fields (a value written twice).
 */
export function landedChanges(
  sandbox: RunningSandbox,
  syncs: SyncUnderTest[],
  initial: Map<string, Row>,
): { landed: string[]; deleted: string[]; noOps: string[] } {
  const last = new Map(initial);
  const landed: string[] = [];
  const deleted: string[] = [];
  const noOps: string[] = [];
  for (const c of sandbox.store.changes) {
    const id = `${c.system}/${c.object}/${c.id}`;
    const prev = last.get(id);
    for (const s of syncs) {
      if (s.system !== c.system || s.object !== c.object) continue;
      const recordId = s.recordId(c.kind === "deleted" ? (prev ?? c.record) : c.record);
      if (recordId === undefined) continue;
      if (c.kind === "deleted") {
        deleted.push(`${s.name}|${recordId}`);
        continue;
      }
      let changed = 0;
      for (const f of s.fields) {
        const after = valueAt(c.record, f);
        if (prev && sameValue(valueAt(prev, f), after)) continue;
        if (!prev && (after === undefined || after === null)) continue;
        changed++;
        landed.push(`${s.name}|${recordId}|${f}|${JSON.stringify(after)}`);
      }
      if (changed === 0) noOps.push(`${s.name}|${recordId} (change ${c.seq})`);
    }
    if (c.kind === "deleted") last.delete(id);
    else last.set(id, structuredClone(c.record));
  }
  return { landed: landed.sort(), deleted: deleted.sort(), noOps };
}

/** The audit's rows saying a value was delivered (verified, created or found delivered), and deletions. */
export async function deliveredAudit(
  wh: Warehouse,
): Promise<{ delivered: string[]; deleted: string[]; rows: Row[] }> {
  const rows = await wh.query<Row>(
    `SELECT sync, record_id, field, after, status, run_id, sent_run_id FROM reverse.audit
      WHERE status IN ('verified', 'created', 'found_delivered', 'deleted') ORDER BY id`,
  );
  return {
    delivered: rows
      .filter((r) => r.status !== "deleted")
      .map((r) => `${String(r.sync)}|${String(r.record_id)}|${String(r.field)}|${JSON.stringify(r.after)}`)
      .sort(),
    deleted: rows
      .filter((r) => r.status === "deleted")
      .map((r) => `${String(r.sync)}|${String(r.record_id)}`)
      .sort(),
    rows,
  };
}

/**
 * Three syncs, one per mode, over tables `canonical.<p>_accounts` (id, billing_status,
 * health_score: update Salesforce Accounts by Id), `<p>_keyed` (key, name, billing_status:
 * upsert Accounts by Trueup_Key__c) and `<p>_orgs` (key, name, billing_status: mirror Zendesk
 * organizations by external_id, keys starting `org_`). `extra`: settings for every sync, then per mode.
 */
export function threeModes(
  p: string,
  extra: { all?: Row; update?: Row; upsert?: Row; mirror?: Row } = {},
): { syncs: SyncUnderTest[]; config: Row; tables: string[] } {
  const syncs: SyncUnderTest[] = [
    {
      name: `${p}_update`,
      system: "salesforce",
      object: "Account",
      recordId: (r) => (r.Trueup_Key__c ? undefined : String(r.Id)),
      fields: ["Billing_Status__c", "Health_Score__c"],
    },
    {
      name: `${p}_upsert`,
      system: "salesforce",
      object: "Account",
      recordId: (r) => (r.Trueup_Key__c ? String(r.Trueup_Key__c) : undefined),
      fields: ["Name", "Billing_Status__c"],
    },
    {
      name: `${p}_mirror`,
      system: "zendesk",
      object: "organizations",
      recordId: (r) =>
        typeof r.external_id === "string" && r.external_id.startsWith("org_") ? r.external_id : undefined,
      fields: ["name", "organization_fields.billing_status"],
    },
  ];
  const config = {
    models: { builtin: false },
    writable: {
      salesforce: { Account: ["Name", "Trueup_Key__c", "Billing_Status__c", "Health_Score__c"] },
      zendesk: { organizations: ["name", "external_id", "organization_fields.billing_status"] },
    },
    syncs: [
      {
        name: `${p}_update`,
        model: `canonical.${p}_accounts`,
        destination: { system: "salesforce", object: "Account" },
        matchKey: { column: "id", field: "Id" },
        mapping: { Billing_Status__c: "billing_status", Health_Score__c: "health_score" },
        ...extra.all,
        ...extra.update,
      },
      {
        name: `${p}_upsert`,
        model: `canonical.${p}_keyed`,
        destination: { system: "salesforce", object: "Account" },
        matchKey: { column: "key", field: "Trueup_Key__c" },
        mapping: { Name: "name", Billing_Status__c: "billing_status" },
        mode: "upsert",
        ...extra.all,
        ...extra.upsert,
      },
      {
        name: `${p}_mirror`,
        model: `canonical.${p}_orgs`,
        destination: { system: "zendesk", object: "organizations" },
        matchKey: { column: "key", field: "external_id" },
        mapping: { name: "name", "organization_fields.billing_status": "billing_status" },
        mode: "mirror",
        ...extra.all,
        ...extra.mirror,
      },
    ],
  };
  return {
    syncs,
    config,
    tables: [
      `CREATE TABLE canonical.${p}_accounts (id text, billing_status text, health_score integer)`,
      `CREATE TABLE canonical.${p}_keyed (key text, name text, billing_status text)`,
      `CREATE TABLE canonical.${p}_orgs (key text, name text, billing_status text)`,
    ],
  };
}
