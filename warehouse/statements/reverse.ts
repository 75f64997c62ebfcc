import type { Dialect, WarehouseSession } from "../interfaces.js";
import { postgresReverseStatements } from "../postgres/reverse-statements.js";
import { snowflakeReverseStatements } from "../snowflake/reverse-statements.js";

/**
 * The statements of reverse ETL (`trueup sync`) whose text differs between warehouses, one
 * operation per function. The sync engine calls them without knowing which warehouse it is on;
 * each warehouse implements all of them in its own folder (`postgres/reverse-statements.ts`,
 * `snowflake/reverse-statements.ts`). Statements that read the same everywhere stay with the
 * engine. Errors and messages arrive redacted: redaction is the engine's policy, not SQL.
 */
export interface ReverseStatements {
  /** The text of change detection (see {@link ChangeDetection}); `trueup compile` prints it. */
  changeDetectionSql(source: ChangeDetection): string;
  /** Runs change detection for the sync named `sync`. */
  detectChanges(db: WarehouseSession, source: ChangeDetection, sync: string): Promise<DetectedChange[]>;
  /** Mirror: records this sync created that the model (`source`) no longer holds, by record id. */
  createdAndGone(db: WarehouseSession, source: ModelKey, sync: string): Promise<CreatedRecord[]>;
  /** Whether `schema.name` is a view. */
  viewExists(db: WarehouseSession, schema: string, name: string): Promise<boolean>;

  /** The `running` row of a sync run, written first; an existing row is left alone. */
  startSyncRun(db: WarehouseSession, run: SyncRunStart): Promise<void>;
  /** A sync run's outcome, over its `running` row (or as a new row). */
  recordSyncRun(db: WarehouseSession, run: SyncRunOutcome): Promise<void>;
  /** A `running` sync run whose process is gone becomes `abandoned`, with `message`. */
  abandonSyncRun(db: WarehouseSession, runId: string, sync: string, message: string): Promise<void>;

  /** A verified record's snapshot: the delivered fields merged over the old ones, or the whole
   * payload for a record the sync created. */
  saveSyncState(db: WarehouseSession, state: SyncStateRow): Promise<void>;
  /** A failed record's retry row, one attempt more; returns the attempts so far. */
  recordFailure(db: WarehouseSession, failure: FailureRow): Promise<number>;
  recordDeadLetter(db: WarehouseSession, dead: DeadLetterRow): Promise<void>;
  /** Marks the sync's dead letters not yet replayed as replayed; returns them, oldest first. */
  markReplayed(db: WarehouseSession, sync: string): Promise<ReplayedDeadLetter[]>;
  /** A replayed dead letter back in the retry queue (attempts 0); a retry row already there is reset. */
  requeueFailure(db: WarehouseSession, failure: FailureRow): Promise<void>;
  /** One field's row in `reverse.audit`. */
  writeAudit(db: WarehouseSession, row: AuditRow): Promise<void>;

  /** A correction plan awaiting approval; a plan id already stored is left as it is. */
  storePendingPlan(db: WarehouseSession, plan: StoredPlan): Promise<void>;
  markPlanApplied(db: WarehouseSession, planId: string, runId: string): Promise<void>;
  /** The plans with these ids (any status). */
  plansById(db: WarehouseSession, planIds: readonly string[]): Promise<PlanStatus[]>;
}

/** A model's relation and its match key, as SQL expressions (the model aliased `m`). */
export interface ModelKey {
  /** Quoted `schema.name` of the model. */
  relation: string;
  /** The match key column, `m."column"`. */
  key: string;
}

/**
 * Change detection: the model's mapped values as one JSON object per destination record, beside
 * what the sync last delivered; only records that differ, or failed before, come back. One row
 * per key (a model with two rows for one record sends the first by key order). The sync's name
 * is a bind.
 */
export interface ChangeDetection {
  relation: string;
  /** The match key as text. */
  key: string;
  /** The JSON object of the mapped values. */
  payload: string;
}

/** A JSON value read back: parsed, or its JSON text (Snowflake's driver may hand either). */
export type JsonRead<T> = T | string;

export interface DetectedChange {
  record_id: string;
  payload: JsonRead<Record<string, unknown>>;
  last: JsonRead<Record<string, unknown>> | null;
  retry: boolean;
  total: string;
}

export interface CreatedRecord {
  record_id: string;
  destination_id: string;
  payload: JsonRead<Record<string, unknown>>;
}

export interface SyncRunStart {
  runId: string;
  sync: string;
  mode: string;
  host: string;
  pid: number;
}

export interface SyncRunOutcome {
  runId: string;
  sync: string;
  mode: string;
  status: string;
  planned: number;
  written: number;
  verified: number;
  failed: number;
  deadLettered: number;
  writeCalls: number;
  message: string | null;
  created: number;
  deleted: number;
}

export interface SyncStateRow {
  sync: string;
  recordId: string;
  /** The fields delivered, and their values. */
  payload: Record<string, unknown>;
  runId: string;
  destinationId: string | null;
  createdBySync: boolean;
}

export interface FailureRow {
  sync: string;
  recordId: string;
  error: string;
  /** JSON text of the fields the record was meant to get. */
  payload: string;
}

export interface DeadLetterRow {
  sync: string;
  recordId: string;
  payload: Record<string, unknown>;
  error: string;
  attempts: number;
}

export interface ReplayedDeadLetter {
  recordId: string;
  /** JSON text. */
  payload: string;
  error: string;
}

export interface AuditRow {
  runId: string;
  sync: string;
  destination: string;
  object: string;
  recordId: string;
  field: string;
  before: unknown;
  after: unknown;
  status: string;
  responseId: string | null;
  error: string | null;
  planId: string | null;
  sentRunId: string | null;
  idempotencyKey: string | null;
}

export interface StoredPlan {
  planId: string;
  sync: string;
  /** JSON text of the plan. */
  plan: string;
  runId: string;
}

export interface PlanStatus {
  plan_id: string;
  sync: string;
  status: string;
}

/** The reverse statements of the warehouse `db` is on (or of a dialect, for `trueup compile`). */
export function reverseStatements(db: Pick<WarehouseSession, "dialect">): ReverseStatements {
  return IMPLEMENTATIONS[db.dialect];
}

const IMPLEMENTATIONS: Record<Dialect, ReverseStatements> = {
  postgres: postgresReverseStatements,
  snowflake: snowflakeReverseStatements,
};

export { fromVariant as fromJsonRead } from "../snowflake/types.js";
