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
];
