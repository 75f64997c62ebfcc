/**
 * The `trueup` metadata schema, as ordered migrations. Append only: a released migration is
 * never edited, a change is a new entry. Each statement is idempotent as well, so a migration
 * interrupted half way (a crash between statements) completes on the next start.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "runs, node runs, extraction state, file loads, rejects",
    sql: [
      `CREATE TABLE IF NOT EXISTS trueup.runs (
         run_id text PRIMARY KEY,
         command text NOT NULL,
         status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
         started_at timestamptz NOT NULL DEFAULT now(),
         finished_at timestamptz,
         as_of timestamptz,
         selector text,
         error text,
         summary jsonb NOT NULL DEFAULT '{}'::jsonb,
         host text,
         pid integer
       )`,
      `COMMENT ON TABLE trueup.runs IS 'One row per pipeline run (trueup run / demo / worker run).'`,
      `CREATE TABLE IF NOT EXISTS trueup.node_runs (
         run_id text NOT NULL REFERENCES trueup.runs (run_id) ON DELETE CASCADE,
         node text NOT NULL,
         kind text NOT NULL,
         status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
         started_at timestamptz,
         finished_at timestamptz,
         attempts integer NOT NULL DEFAULT 0,
         rows bigint,
         error text,
         worker text,
         details jsonb NOT NULL DEFAULT '{}'::jsonb,
         PRIMARY KEY (run_id, node)
       )`,
      `COMMENT ON TABLE trueup.node_runs IS 'Per DAG node status, timing and row counts of each run.'`,
      `CREATE TABLE IF NOT EXISTS trueup.extract_state (
         source text NOT NULL,
         stream text NOT NULL,
         cursor jsonb,
         updated_at timestamptz NOT NULL DEFAULT now(),
         run_id text,
         PRIMARY KEY (source, stream)
       )`,
      `COMMENT ON TABLE trueup.extract_state IS 'Incremental cursor per source stream; committed in the same transaction as the rows it covers.'`,
      `CREATE TABLE IF NOT EXISTS trueup.file_loads (
         source text NOT NULL,
         file_name text NOT NULL,
         checksum text NOT NULL,
         stream text NOT NULL,
         rows bigint NOT NULL,
         rejects bigint NOT NULL DEFAULT 0,
         loaded_at timestamptz NOT NULL DEFAULT now(),
         run_id text,
         PRIMARY KEY (source, file_name, checksum)
       )`,
      `COMMENT ON TABLE trueup.file_loads IS 'Each ERP export file loaded once, by name and checksum.'`,
      `CREATE TABLE IF NOT EXISTS trueup.rejects (
         id bigserial PRIMARY KEY,
         run_id text,
         source text NOT NULL,
         stream text NOT NULL,
         position text NOT NULL,
         record_key text,
         field text,
         reason text NOT NULL,
         record jsonb,
         rejected_at timestamptz NOT NULL DEFAULT now()
       )`,
      `COMMENT ON TABLE trueup.rejects IS 'Records that failed validation: where they came from (file:line, page, id), the field and why.'`,
      `CREATE INDEX IF NOT EXISTS rejects_source_stream ON trueup.rejects (source, stream)`,
    ],
  },
  {
    id: 2,
    name: "worker registry, run plans, node completion counts",
    sql: [
      `ALTER TABLE trueup.runs ADD COLUMN IF NOT EXISTS plan jsonb`,
      `COMMENT ON COLUMN trueup.runs.plan IS 'What a queued run must do: selected nodes, as-of, full refresh. Workers read it.'`,
      `ALTER TABLE trueup.node_runs ADD COLUMN IF NOT EXISTS completions integer NOT NULL DEFAULT 0`,
      `COMMENT ON COLUMN trueup.node_runs.completions IS 'How many times the node was marked succeeded in this run: must be 1.'`,
      `CREATE TABLE IF NOT EXISTS trueup.workers (
         worker_id text PRIMARY KEY,
         host text NOT NULL,
         pid integer NOT NULL,
         graphile_worker_ids text[] NOT NULL DEFAULT '{}',
         started_at timestamptz NOT NULL DEFAULT now(),
         heartbeat_at timestamptz NOT NULL DEFAULT now()
       )`,
      `COMMENT ON TABLE trueup.workers IS 'Live trueup worker processes; a stale heartbeat means the process died and its jobs are unlocked.'`,
    ],
  },
  {
    id: 3,
    name: "reverse ETL: sync state, audit, failures, dead letters, plans, sync runs",
    sql: [
      `CREATE SCHEMA IF NOT EXISTS reverse`,
      `CREATE TABLE IF NOT EXISTS reverse.sync_state (
         sync text NOT NULL,
         record_id text NOT NULL,
         payload jsonb NOT NULL,
         last_sent_at timestamptz NOT NULL,
         last_run_id text NOT NULL,
         created_by_sync boolean NOT NULL DEFAULT false,
         PRIMARY KEY (sync, record_id)
       )`,
      `COMMENT ON TABLE reverse.sync_state IS 'Last payload each sync delivered (and verified) per destination record: the change-detection snapshot.'`,
      `CREATE TABLE IF NOT EXISTS reverse.audit (
         id bigserial PRIMARY KEY,
         run_id text NOT NULL,
         sync text NOT NULL,
         destination text NOT NULL,
         object text NOT NULL,
         record_id text NOT NULL,
         field text NOT NULL,
         before jsonb,
         after jsonb,
         status text NOT NULL CHECK (status IN ('verified', 'mismatch', 'failed', 'dead_letter')),
         response_id text,
         error text,
         plan_id text,
         at timestamptz NOT NULL DEFAULT now()
       )`,
      `COMMENT ON TABLE reverse.audit IS 'Every field trueup wrote into a destination: before, after, outcome and the vendor response id. Enough to reverse any write.'`,
      `CREATE INDEX IF NOT EXISTS audit_record ON reverse.audit (sync, record_id)`,
      `CREATE TABLE IF NOT EXISTS reverse.failures (
         sync text NOT NULL,
         record_id text NOT NULL,
         attempts integer NOT NULL,
         last_error text NOT NULL,
         payload jsonb NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (sync, record_id)
       )`,
      `CREATE TABLE IF NOT EXISTS reverse.dead_letters (
         id bigserial PRIMARY KEY,
         sync text NOT NULL,
         record_id text NOT NULL,
         payload jsonb NOT NULL,
         error text NOT NULL,
         attempts integer NOT NULL,
         at timestamptz NOT NULL DEFAULT now(),
         replayed_at timestamptz
       )`,
      `COMMENT ON TABLE reverse.dead_letters IS 'Records the destination kept rejecting, with its last error; trueup sync --replay retries them.'`,
      `CREATE TABLE IF NOT EXISTS reverse.plans (
         plan_id text PRIMARY KEY,
         sync text NOT NULL,
         status text NOT NULL CHECK (status IN ('pending', 'applied', 'superseded')),
         plan jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         created_run_id text NOT NULL,
         applied_at timestamptz,
         applied_run_id text
       )`,
      `COMMENT ON TABLE reverse.plans IS 'Correction plans awaiting approval (trueup sync --approve ID runs one exactly as planned).'`,
      `CREATE TABLE IF NOT EXISTS reverse.sync_runs (
         run_id text NOT NULL,
         sync text NOT NULL,
         mode text NOT NULL,
         status text NOT NULL,
         started_at timestamptz NOT NULL DEFAULT now(),
         finished_at timestamptz,
         planned integer NOT NULL DEFAULT 0,
         written integer NOT NULL DEFAULT 0,
         verified integer NOT NULL DEFAULT 0,
         failed integer NOT NULL DEFAULT 0,
         dead_lettered integer NOT NULL DEFAULT 0,
         write_calls integer NOT NULL DEFAULT 0,
         message text,
         PRIMARY KEY (run_id, sync)
       )`,
      `COMMENT ON TABLE reverse.sync_runs IS 'One row per sync per run: what was planned, written, verified and failed.'`,
    ],
  },
  {
    id: 4,
    name: "reverse ETL upsert and mirror modes: destination ids, deletions in the audit",
    sql: [
      // Upsert/mirror syncs key their state by the model's external key; the destination's own id
      // (learned when the record is found or created) is what a mirror deletion needs.
      `ALTER TABLE reverse.sync_state ADD COLUMN IF NOT EXISTS destination_id text`,
      `ALTER TABLE reverse.sync_runs ADD COLUMN IF NOT EXISTS created integer NOT NULL DEFAULT 0`,
      `ALTER TABLE reverse.sync_runs ADD COLUMN IF NOT EXISTS deleted integer NOT NULL DEFAULT 0`,
      `COMMENT ON COLUMN reverse.sync_state.created_by_sync IS 'True when this sync created the record (upsert/mirror); mirror mode deletes only such records.'`,
      `ALTER TABLE reverse.audit DROP CONSTRAINT IF EXISTS audit_status_check`,
      `ALTER TABLE reverse.audit ADD CONSTRAINT audit_status_check CHECK (status IN ('verified', 'mismatch', 'failed', 'dead_letter', 'created', 'deleted'))`,
    ],
  },
  {
    id: 5,
    name: "run lock holder, abandoned runs, last seen; file ledger of a full refresh in progress",
    sql: [
      // A run whose process died is marked abandoned by the next run that takes the run lock.
      `ALTER TABLE trueup.runs DROP CONSTRAINT IF EXISTS runs_status_check`,
      `ALTER TABLE trueup.runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'abandoned'))`,
      `ALTER TABLE trueup.node_runs DROP CONSTRAINT IF EXISTS node_runs_status_check`,
      `ALTER TABLE trueup.node_runs ADD CONSTRAINT node_runs_status_check CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'abandoned'))`,
      `ALTER TABLE trueup.runs ADD COLUMN IF NOT EXISTS last_seen_at timestamptz`,
      `COMMENT ON COLUMN trueup.runs.last_seen_at IS 'Last heartbeat of the process holding the run lock for this run; for an abandoned run, when it was last known alive.'`,
      `CREATE TABLE IF NOT EXISTS trueup.run_lock (
         lock_name text PRIMARY KEY,
         run_id text NOT NULL,
         command text NOT NULL,
         host text NOT NULL,
         pid integer NOT NULL,
         backend_pid integer NOT NULL,
         acquired_at timestamptz NOT NULL DEFAULT now(),
         last_seen_at timestamptz NOT NULL DEFAULT now()
       )`,
      `COMMENT ON TABLE trueup.run_lock IS 'Who holds (or last held) the run lock: one trueup command writes to the warehouse at a time. The lock itself is a Postgres advisory lock held by the session backend_pid.'`,
      `CREATE TABLE IF NOT EXISTS trueup.file_loads_pending (
         source text NOT NULL,
         file_name text NOT NULL,
         checksum text NOT NULL,
         stream text NOT NULL,
         rows bigint NOT NULL,
         rejects bigint NOT NULL DEFAULT 0,
         loaded_at timestamptz NOT NULL DEFAULT now(),
         run_id text,
         PRIMARY KEY (source, stream, file_name, checksum)
       )`,
      `COMMENT ON TABLE trueup.file_loads_pending IS 'Files loaded by a full refresh not yet swapped in; they replace the stream''s rows in trueup.file_loads in the transaction that replaces its staging table.'`,
    ],
  },
  {
    id: 6,
    name: "reverse ETL intents, found-delivered audit rows, sync runs started and abandoned",
    sql: [
      // A sync records what it is about to send before sending it, so a later run that finds the
      // value already in the destination knows which run sent it (a response lost, or a kill).
      `CREATE TABLE IF NOT EXISTS reverse.intents (
         sync text NOT NULL,
         record_id text NOT NULL,
         run_id text NOT NULL,
         idempotency_key text NOT NULL,
         fields text NOT NULL,
         planned_at timestamptz NOT NULL DEFAULT now(),
         sent_at timestamptz,
         destination_id text,
         absent_before boolean NOT NULL DEFAULT false,
         PRIMARY KEY (sync, record_id)
       )`,
      `COMMENT ON TABLE reverse.intents IS 'Deliveries planned or sent and not yet verified: the run that planned (sent_at null) or sent them, the values (JSON), and whether the record was absent before the send (so a record found later was created by the sync).'`,
      `ALTER TABLE reverse.audit ADD COLUMN IF NOT EXISTS sent_run_id text`,
      `ALTER TABLE reverse.audit ADD COLUMN IF NOT EXISTS idempotency_key text`,
      `COMMENT ON COLUMN reverse.audit.sent_run_id IS 'The run that sent the value: the row''s own run, or for found_delivered an earlier run whose response was lost or that was killed.'`,
      `ALTER TABLE reverse.audit DROP CONSTRAINT IF EXISTS audit_status_check`,
      `ALTER TABLE reverse.audit ADD CONSTRAINT audit_status_check CHECK (status IN ('verified', 'found_delivered', 'mismatch', 'failed', 'dead_letter', 'created', 'deleted'))`,
      `ALTER TABLE reverse.sync_runs ADD COLUMN IF NOT EXISTS host text`,
      `ALTER TABLE reverse.sync_runs ADD COLUMN IF NOT EXISTS pid integer`,
      `COMMENT ON COLUMN reverse.sync_runs.status IS 'running (written when the sync starts), succeeded, failed, blocked, pending, or abandoned (its process ended before it finished; a later run checked its deliveries).'`,
    ],
  },
  {
    id: 7,
    name: "node timings split into waiting and working",
    sql: [
      // A node's wall time is waiting (for a concurrency slot, for a lock another transaction
      // holds) plus working; only the working part says how fast the node itself is.
      `ALTER TABLE trueup.node_runs ADD COLUMN IF NOT EXISTS wait_slot_seconds numeric`,
      `ALTER TABLE trueup.node_runs ADD COLUMN IF NOT EXISTS wait_lock_seconds numeric`,
      `ALTER TABLE trueup.node_runs ADD COLUMN IF NOT EXISTS work_seconds numeric`,
      `ALTER TABLE trueup.runs ADD COLUMN IF NOT EXISTS wait_run_lock_seconds numeric`,
      `COMMENT ON COLUMN trueup.node_runs.wait_slot_seconds IS 'Seconds from the moment the node could start (its upstreams done) until a concurrency slot was free (started_at).'`,
      `COMMENT ON COLUMN trueup.node_runs.wait_lock_seconds IS 'Seconds, after started_at, the node''s warehouse transactions waited for a lock held by another transaction (sampled every 250 ms from pg_stat_activity; NULL where the warehouse cannot tell, e.g. Snowflake).'`,
      `COMMENT ON COLUMN trueup.node_runs.work_seconds IS 'Seconds from started_at to finished_at less wait_lock_seconds: the node''s own work.'`,
      `COMMENT ON COLUMN trueup.runs.wait_run_lock_seconds IS 'Seconds the command waited for the run lock (another run on the same warehouse) before this run started.'`,
    ],
  },
  {
    id: 8,
    name: "who approved a correction plan, and when; plan events",
    sql: [
      `ALTER TABLE reverse.plans ADD COLUMN IF NOT EXISTS approved_by text`,
      `ALTER TABLE reverse.plans ADD COLUMN IF NOT EXISTS approved_at timestamptz`,
      `COMMENT ON COLUMN reverse.plans.approved_by IS 'Who approved the plan (trueup sync --approve ID --by NAME, TRUEUP_USER or the OS user; the signed-in approver of trueup serve). NULL while pending.'`,
      `COMMENT ON COLUMN reverse.plans.approved_at IS 'When it was approved (wall clock); applied_at says when it was written.'`,
      `CREATE TABLE IF NOT EXISTS reverse.plan_events (
         id bigserial PRIMARY KEY,
         plan_id text NOT NULL,
         event text NOT NULL,
         actor text,
         at timestamptz NOT NULL,
         run_id text NOT NULL
       )`,
      `COMMENT ON TABLE reverse.plan_events IS 'What people did with correction plans, in order: approved (with the approver), under the run that applied it.'`,
    ],
  },
];
