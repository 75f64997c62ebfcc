import type { Migration } from "./migrations.js";

/**
 * The tables trueup keeps in a Snowflake warehouse, beside the data they describe: extraction
 * cursors, files loaded, rejects (the same columns as on Postgres, in Snowflake types). Run
 * history and graphile-worker's queue live in the orchestrator's Postgres (cli/worker.ts), which
 * gets the Postgres migrations. Snowflake records primary keys without enforcing them: the
 * statements that write these tables (load/state.ts, the file source) MERGE or test first.
 */
export const SNOWFLAKE_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "extraction state, file loads, rejects",
    sql: [
      `CREATE TABLE IF NOT EXISTS "trueup"."extract_state" (
         "source" VARCHAR NOT NULL,
         "stream" VARCHAR NOT NULL,
         "cursor" VARIANT,
         "updated_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "run_id" VARCHAR,
         PRIMARY KEY ("source", "stream")
       ) COMMENT = 'Incremental cursor per source stream; committed in the same transaction as the rows it covers.'`,
      `CREATE TABLE IF NOT EXISTS "trueup"."file_loads" (
         "source" VARCHAR NOT NULL,
         "file_name" VARCHAR NOT NULL,
         "checksum" VARCHAR NOT NULL,
         "stream" VARCHAR NOT NULL,
         "rows" NUMBER(38,0) NOT NULL,
         "rejects" NUMBER(38,0) NOT NULL DEFAULT 0,
         "loaded_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "run_id" VARCHAR,
         PRIMARY KEY ("source", "file_name", "checksum")
       ) COMMENT = 'Each ERP export file loaded once, by name and checksum.'`,
      `CREATE TABLE IF NOT EXISTS "trueup"."rejects" (
         "id" NUMBER(38,0) AUTOINCREMENT PRIMARY KEY,
         "run_id" VARCHAR,
         "source" VARCHAR NOT NULL,
         "stream" VARCHAR NOT NULL,
         "position" VARCHAR NOT NULL,
         "record_key" VARCHAR,
         "field" VARCHAR,
         "reason" VARCHAR NOT NULL,
         "record" VARIANT,
         "rejected_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP()
       ) COMMENT = 'Records that failed validation: where they came from (file:line, page, id), the field and why.'`,
    ],
  },
  {
    id: 3,
    name: "reverse ETL: sync state, audit, failures, dead letters, plans, sync runs",
    // Postgres migrations 3 and 4 in one: the same tables and columns, in Snowflake types. No CHECK
    // constraints and no indexes exist here (the allowed values are in the column comments), and
    // primary keys are recorded, not enforced: the reverse statements (snowflake/reverse-statements.ts) MERGE.
    sql: [
      `CREATE SCHEMA IF NOT EXISTS "reverse"`,
      `CREATE TABLE IF NOT EXISTS "reverse"."sync_state" (
         "sync" VARCHAR NOT NULL,
         "record_id" VARCHAR NOT NULL,
         "payload" VARIANT NOT NULL,
         "last_sent_at" TIMESTAMP_TZ NOT NULL,
         "last_run_id" VARCHAR NOT NULL,
         "created_by_sync" BOOLEAN NOT NULL DEFAULT FALSE COMMENT 'True when this sync created the record (upsert/mirror); mirror mode deletes only such records.',
         "destination_id" VARCHAR,
         PRIMARY KEY ("sync", "record_id")
       ) COMMENT = 'Last payload each sync delivered (and verified) per destination record: the change-detection snapshot.'`,
      `CREATE TABLE IF NOT EXISTS "reverse"."audit" (
         "id" NUMBER(38,0) AUTOINCREMENT PRIMARY KEY,
         "run_id" VARCHAR NOT NULL,
         "sync" VARCHAR NOT NULL,
         "destination" VARCHAR NOT NULL,
         "object" VARCHAR NOT NULL,
         "record_id" VARCHAR NOT NULL,
         "field" VARCHAR NOT NULL,
         "before" VARIANT,
         "after" VARIANT,
         "status" VARCHAR NOT NULL COMMENT 'verified, mismatch, failed, dead_letter, created or deleted.',
         "response_id" VARCHAR,
         "error" VARCHAR,
         "plan_id" VARCHAR,
         "at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP()
       ) COMMENT = 'Every field trueup wrote into a destination: before, after, outcome and the vendor response id. Enough to reverse any write.'`,
      `CREATE TABLE IF NOT EXISTS "reverse"."failures" (
         "sync" VARCHAR NOT NULL,
         "record_id" VARCHAR NOT NULL,
         "attempts" NUMBER(38,0) NOT NULL,
         "last_error" VARCHAR NOT NULL,
         "payload" VARIANT NOT NULL,
         "updated_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         PRIMARY KEY ("sync", "record_id")
       )`,
      `CREATE TABLE IF NOT EXISTS "reverse"."dead_letters" (
         "id" NUMBER(38,0) AUTOINCREMENT PRIMARY KEY,
         "sync" VARCHAR NOT NULL,
         "record_id" VARCHAR NOT NULL,
         "payload" VARIANT NOT NULL,
         "error" VARCHAR NOT NULL,
         "attempts" NUMBER(38,0) NOT NULL,
         "at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "replayed_at" TIMESTAMP_TZ
       ) COMMENT = 'Records the destination kept rejecting, with its last error; trueup sync --replay retries them.'`,
      `CREATE TABLE IF NOT EXISTS "reverse"."plans" (
         "plan_id" VARCHAR NOT NULL PRIMARY KEY,
         "sync" VARCHAR NOT NULL,
         "status" VARCHAR NOT NULL COMMENT 'pending, applied or superseded.',
         "plan" VARIANT NOT NULL,
         "created_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "created_run_id" VARCHAR NOT NULL,
         "applied_at" TIMESTAMP_TZ,
         "applied_run_id" VARCHAR
       ) COMMENT = 'Correction plans awaiting approval (trueup sync --approve ID runs one exactly as planned).'`,
      `CREATE TABLE IF NOT EXISTS "reverse"."sync_runs" (
         "run_id" VARCHAR NOT NULL,
         "sync" VARCHAR NOT NULL,
         "mode" VARCHAR NOT NULL,
         "status" VARCHAR NOT NULL,
         "started_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "finished_at" TIMESTAMP_TZ,
         "planned" NUMBER(38,0) NOT NULL DEFAULT 0,
         "written" NUMBER(38,0) NOT NULL DEFAULT 0,
         "verified" NUMBER(38,0) NOT NULL DEFAULT 0,
         "failed" NUMBER(38,0) NOT NULL DEFAULT 0,
         "dead_lettered" NUMBER(38,0) NOT NULL DEFAULT 0,
         "write_calls" NUMBER(38,0) NOT NULL DEFAULT 0,
         "message" VARCHAR,
         "created" NUMBER(38,0) NOT NULL DEFAULT 0,
         "deleted" NUMBER(38,0) NOT NULL DEFAULT 0,
         PRIMARY KEY ("run_id", "sync")
       ) COMMENT = 'One row per sync per run: what was planned, written, verified and failed.'`,
    ],
  },
  {
    id: 5,
    name: "file ledger of a full refresh in progress",
    sql: [
      // Run history and the run lock live on the orchestrator's Postgres, not here.
      `CREATE TABLE IF NOT EXISTS "trueup"."file_loads_pending" (
         "source" VARCHAR NOT NULL,
         "file_name" VARCHAR NOT NULL,
         "checksum" VARCHAR NOT NULL,
         "stream" VARCHAR NOT NULL,
         "rows" NUMBER(38,0) NOT NULL,
         "rejects" NUMBER(38,0) NOT NULL DEFAULT 0,
         "loaded_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "run_id" VARCHAR,
         PRIMARY KEY ("source", "stream", "file_name", "checksum")
       ) COMMENT = 'Files loaded by a full refresh not yet swapped in; they replace the stream''s rows in trueup.file_loads in the transaction that replaces its staging table.'`,
    ],
  },
  {
    id: 6,
    name: "reverse ETL intents, found-delivered audit rows, sync runs started and abandoned",
    sql: [
      `CREATE TABLE IF NOT EXISTS "reverse"."intents" (
         "sync" VARCHAR NOT NULL,
         "record_id" VARCHAR NOT NULL,
         "run_id" VARCHAR NOT NULL,
         "idempotency_key" VARCHAR NOT NULL,
         "fields" VARCHAR NOT NULL,
         "planned_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP(),
         "sent_at" TIMESTAMP_TZ,
         "destination_id" VARCHAR,
         "absent_before" BOOLEAN NOT NULL DEFAULT FALSE,
         PRIMARY KEY ("sync", "record_id")
       ) COMMENT = 'Deliveries planned or sent and not yet verified: the run that planned (sent_at null) or sent them, the values (JSON), and whether the record was absent before the send.'`,
      `ALTER TABLE "reverse"."audit" ADD COLUMN IF NOT EXISTS "sent_run_id" VARCHAR`,
      `ALTER TABLE "reverse"."audit" ADD COLUMN IF NOT EXISTS "idempotency_key" VARCHAR`,
      `ALTER TABLE "reverse"."sync_runs" ADD COLUMN IF NOT EXISTS "host" VARCHAR`,
      `ALTER TABLE "reverse"."sync_runs" ADD COLUMN IF NOT EXISTS "pid" NUMBER(38,0)`,
    ],
  },
  {
    id: 8,
    name: "who approved a correction plan, and when; plan events",
    sql: [
      `ALTER TABLE "reverse"."plans" ADD COLUMN IF NOT EXISTS "approved_by" VARCHAR COMMENT 'Who approved the plan; NULL while pending.'`,
      `ALTER TABLE "reverse"."plans" ADD COLUMN IF NOT EXISTS "approved_at" TIMESTAMP_TZ COMMENT 'When it was approved (wall clock).'`,
      `CREATE TABLE IF NOT EXISTS "reverse"."plan_events" (
         "id" NUMBER(38,0) NOT NULL AUTOINCREMENT ORDER,
         "plan_id" VARCHAR NOT NULL,
         "event" VARCHAR NOT NULL,
         "actor" VARCHAR,
         "at" TIMESTAMP_TZ NOT NULL,
         "run_id" VARCHAR NOT NULL,
         PRIMARY KEY ("id")
       ) COMMENT = 'What people did with correction plans, in order: approved (with the approver), under the run that applied it.'`,
    ],
  },
];
