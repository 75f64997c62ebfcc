import type { SyncConfig } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import type { Warehouse } from "../warehouse/interfaces.js";

/** A flat map of destination field paths (`Billing_Status__c`, `organization_fields.arr`) to values. */
export type FieldValues = Record<string, unknown>;

export interface RecordChange {
  recordId: string;
  /** Only the fields whose values differ from what this sync last delivered. */
  fields: FieldValues;
}

export interface WriteOutcome {
  recordId: string;
  ok: boolean;
  error?: string;
  /** The vendor's id for the write (Salesforce record id echo, Zendesk job id). */
  responseId?: string;
}

export interface KeyedChange extends RecordChange {
  /** The destination's id when the record already exists there. */
  destinationId?: string;
}

export interface UpsertOutcome extends WriteOutcome {
  /** The destination's id of the record written (new records: the id it was given). */
  destinationId?: string;
  created?: boolean;
}

/**
 * A reverse-ETL destination. Each folder under `reverse/destinations/<system>/` has the same
 * files: destination.ts (this interface), client.ts (HTTP), payload.ts (zod validation of the
 * outbound payload against the destination's field types), index.ts.
 */
export interface Destination {
  readonly system: SyncConfig["destination"]["system"];
  /**
   * Largest batch one write call takes (Salesforce collections 200, Zendesk update_many 100,
   * HubSpot batch/update 100).
   */
  readonly maxBatch: number;
  /** Current values of `fields` for `ids` (for the audit's before-values and for read-back). */
  read(object: string, ids: string[], fields: string[]): Promise<Map<string, FieldValues>>;
  /** One call per batch; per-record outcomes. */
  write(object: string, changes: RecordChange[]): Promise<WriteOutcome[]>;
  /**
   * Upsert/mirror: finds records by an external-id field. Returns, per key found, the
   * destination's own id and the current values of `fields`.
   */
  readByKey(
    object: string,
    keyField: string,
    keys: string[],
    fields: string[],
  ): Promise<Map<string, { id: string; values: FieldValues }>>;
  /**
   * Upsert/mirror: writes by external key (`recordId` is the key): records with a
   * `destinationId` are updated, the others created with `keyField` set to their key.
   */
  upsert(object: string, keyField: string, changes: KeyedChange[]): Promise<UpsertOutcome[]>;
  /** Mirror: deletes records by destination id; one call per batch. */
  remove(object: string, ids: string[]): Promise<WriteOutcome[]>;
  /** How many records the object holds (circuit breaker denominator). */
  count(object: string): Promise<number>;
  /** Validates a change's values against the destination's field types; returns problems. */
  validate(object: string, fields: FieldValues): Promise<string[]>;
  /** Write calls made so far (for the sync log and the bench). */
  readonly writeCalls: number;
}

export interface PlannedChange extends RecordChange {
  /** What this sync last delivered for these fields (not the destination's current value). */
  previous: FieldValues;
  retry: boolean;
}

export interface SyncPlan {
  sync: string;
  mode: SyncConfig["mode"];
  destination: SyncConfig["destination"];
  changes: PlannedChange[];
  /**
   * Mirror mode: records this sync created that have left the model; they are deleted (records
   * the sync did not create are never deleted).
   */
  deletions: { recordId: string; destinationId: string; previous: FieldValues }[];
  /** Records whose only changes were nulls the write policy withheld. */
  withheld: number;
  unchanged: number;
  total: number;
}

/** What one sync run did, as `trueup sync` reports it and `reverse.sync_runs` records it. */
export interface SyncRunResult {
  sync: string;
  mode: "dry-run" | "apply" | "pending-approval" | "approved";
  status: "succeeded" | "failed" | "blocked" | "pending";
  plan: SyncPlan;
  planId?: string;
  written: number;
  verified: number;
  failed: number;
  deadLettered: number;
  /** Records created (upsert/mirror) and deleted (mirror) in the destination. */
  created: number;
  deleted: number;
  skippedAlreadyThere: number;
  writeCalls: number;
  message?: string;
}

export interface RunSyncOptions {
  warehouse: Warehouse;
  sync: SyncConfig;
  destination: Destination;
  runId: string;
  log: Logger;
  dryRun?: boolean;
  /** Run this stored plan exactly (trueup sync --approve ID). */
  approvePlanId?: string;
}
