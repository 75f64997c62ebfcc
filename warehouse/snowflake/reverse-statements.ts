import type {
  CreatedRecord,
  DetectedChange,
  PlanStatus,
  ReplayedDeadLetter,
  ReverseStatements,
} from "../statements/reverse.js";
import {
  auditBinds,
  changeDetectionText,
  deadLetterBinds,
  syncRunBinds,
  syncStateBinds,
} from "../statements/reverse-common.js";

/** The longer statement texts, by the operation that sends them. */
const SQL = {
  syncRun: `MERGE INTO "reverse"."sync_runs" t
USING (SELECT $1 AS "run_id", $2 AS "sync", $3 AS "mode", $4 AS "status", $5 AS "planned", $6 AS "written",
              $7 AS "verified", $8 AS "failed", $9 AS "dead_lettered", $10 AS "write_calls", $11 AS "message",
              $12 AS "created", $13 AS "deleted") s
ON t."run_id" = s."run_id" AND t."sync" = s."sync"
WHEN MATCHED THEN UPDATE SET t."mode" = s."mode", t."status" = s."status", t."finished_at" = CURRENT_TIMESTAMP(),
  t."planned" = s."planned", t."written" = s."written", t."verified" = s."verified", t."failed" = s."failed",
  t."dead_lettered" = s."dead_lettered", t."write_calls" = s."write_calls", t."message" = s."message",
  t."created" = s."created", t."deleted" = s."deleted"
WHEN NOT MATCHED THEN INSERT ("run_id", "sync", "mode", "status", "finished_at", "planned", "written", "verified",
    "failed", "dead_lettered", "write_calls", "message", "created", "deleted")
  VALUES (s."run_id", s."sync", s."mode", s."status", CURRENT_TIMESTAMP(), s."planned", s."written", s."verified",
    s."failed", s."dead_lettered", s."write_calls", s."message", s."created", s."deleted")`,

  /**
   * A verified record's snapshot. Postgres merges the payloads with `||`; Snowflake has no object
   * merge, so each delivered key ($7…, one per key) is written over the old payload with
   * OBJECT_INSERT (update flag TRUE; a JSON null value is kept, as `||` keeps it).
   */
  saveState(keys: number): string {
    let merged = `t."payload"::OBJECT`;
    for (let i = 0; i < keys; i++)
      merged = `OBJECT_INSERT(${merged}, $${7 + i}, GET(s."payload", $${7 + i}), TRUE)`;
    return `MERGE INTO "reverse"."sync_state" t
USING (SELECT $1 AS "sync", $2 AS "record_id", PARSE_JSON($3) AS "payload", $4 AS "last_run_id",
              $5 AS "destination_id", TO_BOOLEAN($6) AS "created_by_sync") s
ON t."sync" = s."sync" AND t."record_id" = s."record_id"
WHEN MATCHED THEN UPDATE SET
  t."payload" = CASE WHEN s."created_by_sync" THEN s."payload" ELSE TO_VARIANT(${merged}) END,
  t."last_sent_at" = CURRENT_TIMESTAMP(), t."last_run_id" = s."last_run_id",
  t."destination_id" = COALESCE(s."destination_id", t."destination_id"),
  t."created_by_sync" = t."created_by_sync" OR s."created_by_sync"
WHEN NOT MATCHED THEN INSERT ("sync", "record_id", "payload", "last_sent_at", "last_run_id", "destination_id", "created_by_sync")
  VALUES (s."sync", s."record_id", s."payload", CURRENT_TIMESTAMP(), s."last_run_id", s."destination_id", s."created_by_sync")`;
  },

  failure: `MERGE INTO "reverse"."failures" t
USING (SELECT $1 AS "sync", $2 AS "record_id", $3 AS "last_error", PARSE_JSON($4) AS "payload") s
ON t."sync" = s."sync" AND t."record_id" = s."record_id"
WHEN MATCHED THEN UPDATE SET t."attempts" = t."attempts" + 1, t."last_error" = s."last_error",
  t."payload" = s."payload", t."updated_at" = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT ("sync", "record_id", "attempts", "last_error", "payload")
  VALUES (s."sync", s."record_id", 1, s."last_error", s."payload")`,

  failureAttempts: `SELECT MAX("attempts") AS "attempts" FROM "reverse"."failures" WHERE "sync" = $1 AND "record_id" = $2`,

  deadLetter: `INSERT INTO "reverse"."dead_letters" ("sync", "record_id", "payload", "error", "attempts")
SELECT $1, $2, PARSE_JSON($3), $4, $5`,

  audit: `INSERT INTO "reverse"."audit" ("run_id", "sync", "destination", "object", "record_id", "field", "before", "after",
    "status", "response_id", "error", "plan_id", "sent_run_id", "idempotency_key")
SELECT $1, $2, $3, $4, $5, $6, PARSE_JSON($7), PARSE_JSON($8), $9, $10, $11, $12, $13, $14`,

  startRun: `MERGE INTO "reverse"."sync_runs" t
USING (SELECT $1 AS "run_id", $2 AS "sync", $3 AS "mode", $4 AS "host", $5 AS "pid") s
ON t."run_id" = s."run_id" AND t."sync" = s."sync"
WHEN NOT MATCHED THEN INSERT ("run_id", "sync", "mode", "status", "host", "pid")
  VALUES (s."run_id", s."sync", s."mode", 'running', s."host", s."pid")`,

  deadLettersToReplay: `SELECT "id", "record_id", "payload", "error" FROM "reverse"."dead_letters"
WHERE "sync" = $1 AND "replayed_at" IS NULL ORDER BY "at", "id"`,

  /** $2: the ids read, as a JSON array (Snowflake takes no array binds). */
  markReplayed: `UPDATE "reverse"."dead_letters" SET "replayed_at" = CURRENT_TIMESTAMP()
WHERE "sync" = $1 AND "replayed_at" IS NULL
  AND "id" IN (SELECT f.value::NUMBER(38,0) FROM TABLE(FLATTEN(INPUT => PARSE_JSON($2))) f)`,

  requeue: `MERGE INTO "reverse"."failures" t
USING (SELECT $1 AS "sync", $2 AS "record_id", $3 AS "last_error", PARSE_JSON($4) AS "payload") s
ON t."sync" = s."sync" AND t."record_id" = s."record_id"
WHEN MATCHED THEN UPDATE SET t."attempts" = 0
WHEN NOT MATCHED THEN INSERT ("sync", "record_id", "attempts", "last_error", "payload")
  VALUES (s."sync", s."record_id", 0, s."last_error", s."payload")`,
};

/**
 * The reverse statements on Snowflake. Upserts are MERGEs (Snowflake records primary keys without
 * enforcing them and has no ON CONFLICT), JSON goes in through PARSE_JSON in a SELECT (not
 * allowed in VALUES), CURRENT_TIMESTAMP() for now(); there is no RETURNING (a write is followed
 * by a read in the same transaction) and no array bind (ids go as a JSON array, unpacked with
 * FLATTEN). Binds are numbered as on Postgres (the session sends `$n` as `:n`), except change
 * detection's, which `trueup compile` prints with `?`.
 */
export const snowflakeReverseStatements: ReverseStatements = {
  changeDetectionSql: ({ relation, key, payload }) =>
    changeDetectionText(
      // Through JSON text and back: a DATE or NUMBER inside the object becomes what the stored
      // snapshot holds (JSON strings and numbers), so an unchanged record compares equal.
      `SELECT ${key} AS record_id, PARSE_JSON(TO_JSON(${payload})) AS payload FROM ${relation} m WHERE ${key} IS NOT NULL
         QUALIFY ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${key}) = 1`,
      "?",
    ),

  // The sync's name once per `?`.
  detectChanges: (db, source, sync) =>
    db.query<DetectedChange>(snowflakeReverseStatements.changeDetectionSql(source), [sync, sync]),

  createdAndGone: (db, { relation, key }, sync) =>
    db.query<CreatedRecord>(
      `SELECT st."record_id", st."destination_id", st."payload" FROM "reverse"."sync_state" st
                  WHERE st."sync" = $1 AND st."created_by_sync" AND st."destination_id" IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM ${relation} m WHERE CAST(${key} AS VARCHAR) = st."record_id")
                  ORDER BY st."record_id"`,
      [sync],
    ),

  // Snowflake keeps trueup's (quoted, case-ignored) names upper case in information_schema.
  async viewExists(db, schema, name) {
    const r = await db.query(
      `SELECT 1 AS ok FROM information_schema.views WHERE table_schema = UPPER($1) AND table_name = UPPER($2)`,
      [db.physicalName(schema), db.physicalName(name)],
    );
    return r.length > 0;
  },

  async startSyncRun(db, r) {
    await db.query(SQL.startRun, [r.runId, r.sync, r.mode, r.host, r.pid]);
  },

  async recordSyncRun(db, r) {
    await db.query(SQL.syncRun, syncRunBinds(r));
  },

  async abandonSyncRun(db, runId, sync, message) {
    await db.query(
      `UPDATE "reverse"."sync_runs" SET "status" = 'abandoned', "finished_at" = CURRENT_TIMESTAMP(), "message" = $3
            WHERE "run_id" = $1 AND "sync" = $2 AND "status" = 'running'`,
      [runId, sync, message],
    );
  },

  // The keys merged into the snapshot follow the row's binds, one OBJECT_INSERT each.
  async saveSyncState(db, s) {
    const keys = Object.keys(s.payload);
    await db.query(SQL.saveState(keys.length), [...syncStateBinds(s), ...keys]);
  },

  // No RETURNING: the MERGE is followed by a read of the row, in the same transaction.
  async recordFailure(db, f) {
    await db.query(SQL.failure, [f.sync, f.recordId, f.error, f.payload]);
    const [row] = await db.query<{ attempts: unknown }>(SQL.failureAttempts, [f.sync, f.recordId]);
    return Number(row?.attempts ?? 1);
  },

  async recordDeadLetter(db, d) {
    await db.query(SQL.deadLetter, deadLetterBinds(d));
  },

  // The dead letters to replay are read first, then marked by id (no RETURNING).
  async markReplayed(db, sync): Promise<ReplayedDeadLetter[]> {
    const rows = await db.query<{ id: unknown; record_id: string; payload: unknown; error: string }>(
      SQL.deadLettersToReplay,
      [sync],
    );
    if (!rows.length) return [];
    await db.query(SQL.markReplayed, [sync, JSON.stringify(rows.map((r) => String(r.id)))]);
    return rows.map((r) => ({ recordId: r.record_id, payload: jsonText(r.payload), error: r.error }));
  },

  async requeueFailure(db, f) {
    await db.query(SQL.requeue, [f.sync, f.recordId, f.error, f.payload]);
  },

  async writeAudit(db, a) {
    await db.query(SQL.audit, auditBinds(a));
  },

  // No ON CONFLICT (and primary keys are not enforced): a MERGE inserts only a new id.
  async storePendingPlan(db, p) {
    await db.query(
      `MERGE INTO "reverse"."plans" t
         USING (SELECT $1 AS "plan_id", $2 AS "sync", PARSE_JSON($3) AS "plan", $4 AS "created_run_id") s
         ON t."plan_id" = s."plan_id"
         WHEN NOT MATCHED THEN INSERT ("plan_id", "sync", "status", "plan", "created_run_id")
           VALUES (s."plan_id", s."sync", 'pending', s."plan", s."created_run_id")`,
      [p.planId, p.sync, p.plan, p.runId],
    );
  },

  async markPlanApplied(db, planId, runId) {
    await db.query(
      `UPDATE "reverse"."plans" SET "status" = 'applied', "applied_at" = CURRENT_TIMESTAMP(), "applied_run_id" = $2
          WHERE "plan_id" = $1`,
      [planId, runId],
    );
  },

  plansById: (db, planIds) =>
    db.query<PlanStatus>(
      `SELECT "plan_id", "sync", "status" FROM "reverse"."plans"
            WHERE "plan_id" IN (SELECT f.value::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON($1))) f)`,
      [JSON.stringify(planIds)],
    ),
};

/** A VARIANT as JSON text: snowflake-sdk hands it back parsed or as its text. */
function jsonText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
