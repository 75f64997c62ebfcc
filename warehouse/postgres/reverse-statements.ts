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

/** The reverse statements on Postgres: upserts with ON CONFLICT, RETURNING, array binds. */
export const postgresReverseStatements: ReverseStatements = {
  changeDetectionSql: ({ relation, key, payload }) =>
    changeDetectionText(
      `SELECT DISTINCT ON (${key}) ${key} AS record_id, ${payload} AS payload
         FROM ${relation} m WHERE ${key} IS NOT NULL ORDER BY ${key}`,
      "$1",
    ),

  detectChanges: (db, source, sync) =>
    db.query<DetectedChange>(postgresReverseStatements.changeDetectionSql(source), [sync]),

  createdAndGone: (db, { relation, key }, sync) =>
    db.query<CreatedRecord>(
      `SELECT st.record_id, st.destination_id, st.payload FROM reverse.sync_state st
              WHERE st.sync = $1 AND st.created_by_sync AND st.destination_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM ${relation} m WHERE CAST(${key} AS text) = st.record_id)
              ORDER BY st.record_id`,
      [sync],
    ),

  async viewExists(db, schema, name) {
    const r = await db.query(
      `SELECT 1 FROM information_schema.views WHERE table_schema = $1 AND table_name = $2`,
      [schema, name],
    );
    return r.length > 0;
  },

  async startSyncRun(db, r) {
    await db.query(
      `INSERT INTO reverse.sync_runs (run_id, sync, mode, status, host, pid) VALUES ($1, $2, $3, 'running', $4, $5)
         ON CONFLICT (run_id, sync) DO NOTHING`,
      [r.runId, r.sync, r.mode, r.host, r.pid],
    );
  },

  async recordSyncRun(db, r) {
    await db.query(
      `INSERT INTO reverse.sync_runs (run_id, sync, mode, status, finished_at, planned, written, verified, failed, dead_lettered, write_calls, message, created, deleted)
       VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (run_id, sync) DO UPDATE SET mode = EXCLUDED.mode, status = EXCLUDED.status, finished_at = now(),
         planned = EXCLUDED.planned, written = EXCLUDED.written, verified = EXCLUDED.verified, failed = EXCLUDED.failed,
         dead_lettered = EXCLUDED.dead_lettered, write_calls = EXCLUDED.write_calls, message = EXCLUDED.message,
         created = EXCLUDED.created, deleted = EXCLUDED.deleted`,
      syncRunBinds(r),
    );
  },

  async abandonSyncRun(db, runId, sync, message) {
    await db.query(
      `UPDATE reverse.sync_runs SET status = 'abandoned', finished_at = now(), message = $3
            WHERE run_id = $1 AND sync = $2 AND status = 'running'`,
      [runId, sync, message],
    );
  },

  async saveSyncState(db, s) {
    await db.query(
      `INSERT INTO reverse.sync_state (sync, record_id, payload, last_sent_at, last_run_id, destination_id, created_by_sync)
           VALUES ($1, $2, $3, now(), $4, $5, $6)
           ON CONFLICT (sync, record_id) DO UPDATE SET
             payload = CASE WHEN EXCLUDED.created_by_sync THEN EXCLUDED.payload ELSE reverse.sync_state.payload || EXCLUDED.payload END,
             last_sent_at = now(), last_run_id = EXCLUDED.last_run_id,
             destination_id = coalesce(EXCLUDED.destination_id, reverse.sync_state.destination_id),
             created_by_sync = reverse.sync_state.created_by_sync OR EXCLUDED.created_by_sync`,
      syncStateBinds(s),
    );
  },

  async recordFailure(db, f) {
    const [{ attempts }] = (await db.query<{ attempts: number }>(
      `INSERT INTO reverse.failures (sync, record_id, attempts, last_error, payload) VALUES ($1, $2, 1, $3, $4)
         ON CONFLICT (sync, record_id) DO UPDATE SET attempts = reverse.failures.attempts + 1, last_error = EXCLUDED.last_error,
           payload = EXCLUDED.payload, updated_at = now()
         RETURNING attempts`,
      [f.sync, f.recordId, f.error, f.payload],
    )) as [{ attempts: number }];
    return attempts;
  },

  async recordDeadLetter(db, d) {
    await db.query(
      `INSERT INTO reverse.dead_letters (sync, record_id, payload, error, attempts) VALUES ($1, $2, $3, $4, $5)`,
      deadLetterBinds(d),
    );
  },

  async markReplayed(db, sync): Promise<ReplayedDeadLetter[]> {
    const rows = await db.query<{ record_id: string; payload: unknown; error: string }>(
      `UPDATE reverse.dead_letters SET replayed_at = now() WHERE sync = $1 AND replayed_at IS NULL RETURNING record_id, payload, error`,
      [sync],
    );
    return rows.map((r) => ({ recordId: r.record_id, payload: JSON.stringify(r.payload), error: r.error }));
  },

  async requeueFailure(db, f) {
    await db.query(
      `INSERT INTO reverse.failures (sync, record_id, attempts, last_error, payload) VALUES ($1, $2, 0, $3, $4)
         ON CONFLICT (sync, record_id) DO UPDATE SET attempts = 0`,
      [f.sync, f.recordId, f.error, f.payload],
    );
  },

  async writeAudit(db, a) {
    await db.query(
      `INSERT INTO reverse.audit (run_id, sync, destination, object, record_id, field, before, after, status, response_id, error, plan_id, sent_run_id, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      auditBinds(a),
    );
  },

  async storePendingPlan(db, p) {
    await db.query(
      `INSERT INTO reverse.plans (plan_id, sync, status, plan, created_run_id) VALUES ($1, $2, 'pending', $3, $4)
     ON CONFLICT (plan_id) DO NOTHING`,
      [p.planId, p.sync, p.plan, p.runId],
    );
  },

  async markPlanApplied(db, planId, runId) {
    await db.query(
      `UPDATE reverse.plans SET status = 'applied', applied_at = now(), applied_run_id = $2 WHERE plan_id = $1`,
      [planId, runId],
    );
  },

  plansById: (db, planIds) =>
    db.query<PlanStatus>(`SELECT plan_id, sync, status FROM reverse.plans WHERE plan_id = ANY($1)`, [
      planIds,
    ]),
};
