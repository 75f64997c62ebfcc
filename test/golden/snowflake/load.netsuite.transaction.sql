-- netsuite.transaction: raw append, staging merge (one row per id, latest trueup_lastmodified wins), cursor — one transaction per batch;

CREATE TABLE IF NOT EXISTS "raw"."netsuite__transaction" (
  "_trueup_run_id" VARCHAR NOT NULL COMMENT 'Run that landed the record.',
  "_trueup_loaded_at" TIMESTAMP_TZ NOT NULL COMMENT 'When it was landed.',
  "_trueup_source" VARCHAR NOT NULL COMMENT 'Source system.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source it came from (page, file:line).',
  "_trueup_deleted" BOOLEAN COMMENT 'The source reported the record deleted.',
  "_trueup_payload" VARIANT COMMENT 'The record exactly as the source returned it.'
);

CREATE TABLE IF NOT EXISTS "staging"."netsuite__transaction" (
  "id" VARCHAR NOT NULL,
  "trueup_lastmodified" TIMESTAMP_TZ,
  "_trueup_payload" VARIANT COMMENT 'The whole record as the source returned it.',
  "_trueup_deleted" BOOLEAN COMMENT 'Tombstone: deleted in the source.',
  "_trueup_run_id" VARCHAR COMMENT 'Run that last changed this row.',
  "_trueup_loaded_at" TIMESTAMP_TZ COMMENT 'When this row last changed.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source the current version came from.',
  PRIMARY KEY ("id")
);

CREATE OR REPLACE TEMPORARY TABLE "staging"."_trueup_batch__netsuite__transaction" (
  "id" VARCHAR,
  "trueup_lastmodified" VARCHAR,
  "_trueup_payload" VARCHAR,
  "_trueup_deleted" VARCHAR,
  "_trueup_run_id" VARCHAR,
  "_trueup_loaded_at" VARCHAR,
  "_trueup_position" VARCHAR,
  "_trueup_seq" NUMBER(38,0)
);

PUT 'file://<batch dir>/batch-*.csv.gz' @"staging".%"netsuite__transaction" AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

BEGIN;

COPY INTO "staging"."_trueup_batch__netsuite__transaction" ("id", "trueup_lastmodified", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position", "_trueup_seq")
  FROM @"staging".%"netsuite__transaction"
  FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\N') EMPTY_FIELD_AS_NULL = FALSE)
  ON_ERROR = CONTINUE PURGE = FALSE;

SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE("staging"."_trueup_batch__netsuite__transaction", JOB_ID => '_last'));

SELECT "column", COUNT(*) AS "n", MIN_BY("position", "seq") AS "first_position" FROM (
  SELECT 'trueup_lastmodified' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__netsuite__transaction" WHERE "trueup_lastmodified" IS NOT NULL AND TRY_TO_TIMESTAMP_TZ("trueup_lastmodified") IS NULL
  UNION ALL SELECT '_trueup_payload' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__netsuite__transaction" WHERE "_trueup_payload" IS NOT NULL AND TRY_PARSE_JSON("_trueup_payload") IS NULL
  UNION ALL SELECT '_trueup_deleted' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__netsuite__transaction" WHERE "_trueup_deleted" IS NOT NULL AND TRY_TO_BOOLEAN("_trueup_deleted") IS NULL
  UNION ALL SELECT '_trueup_loaded_at' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__netsuite__transaction" WHERE "_trueup_loaded_at" IS NOT NULL AND TRY_TO_TIMESTAMP_TZ("_trueup_loaded_at") IS NULL
) GROUP BY "column";

INSERT INTO "raw"."netsuite__transaction" ("_trueup_run_id", "_trueup_loaded_at", "_trueup_source", "_trueup_position", "_trueup_deleted", "_trueup_payload")
SELECT "_trueup_run_id", TRY_TO_TIMESTAMP_TZ("_trueup_loaded_at"), 'netsuite' AS "_trueup_source", "_trueup_position", TRY_TO_BOOLEAN("_trueup_deleted"), TRY_PARSE_JSON("_trueup_payload")
  FROM "staging"."_trueup_batch__netsuite__transaction" ORDER BY "_trueup_seq";

MERGE INTO "staging"."netsuite__transaction" t
USING (
  SELECT * FROM (
    SELECT "id" AS "id", TRY_TO_TIMESTAMP_TZ("trueup_lastmodified") AS "trueup_lastmodified", TRY_PARSE_JSON("_trueup_payload") AS "_trueup_payload", TRY_TO_BOOLEAN("_trueup_deleted") AS "_trueup_deleted", "_trueup_run_id" AS "_trueup_run_id", TRY_TO_TIMESTAMP_TZ("_trueup_loaded_at") AS "_trueup_loaded_at", "_trueup_position" AS "_trueup_position", "_trueup_seq"
      FROM "staging"."_trueup_batch__netsuite__transaction"
  )
  QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "trueup_lastmodified" DESC NULLS LAST, "_trueup_seq" DESC) = 1
) s
ON t."id" = s."id"
WHEN MATCHED AND (t."trueup_lastmodified" IS NULL OR s."trueup_lastmodified" IS NULL OR s."trueup_lastmodified" >= t."trueup_lastmodified") AND NOT (EQUAL_NULL(t."trueup_lastmodified", IFF(s."_trueup_deleted", COALESCE(s."trueup_lastmodified", t."trueup_lastmodified"), s."trueup_lastmodified")) AND EQUAL_NULL(t."_trueup_payload", IFF(s."_trueup_deleted", COALESCE(t."_trueup_payload", s."_trueup_payload"), s."_trueup_payload")) AND EQUAL_NULL(t."_trueup_deleted", s."_trueup_deleted")) THEN UPDATE SET
    t."trueup_lastmodified" = IFF(s."_trueup_deleted", COALESCE(s."trueup_lastmodified", t."trueup_lastmodified"), s."trueup_lastmodified"),
    t."_trueup_payload" = IFF(s."_trueup_deleted", COALESCE(t."_trueup_payload", s."_trueup_payload"), s."_trueup_payload"),
    t."_trueup_deleted" = s."_trueup_deleted",
    t."_trueup_run_id" = s."_trueup_run_id",
    t."_trueup_loaded_at" = s."_trueup_loaded_at",
    t."_trueup_position" = s."_trueup_position"
WHEN NOT MATCHED THEN INSERT ("id", "trueup_lastmodified", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position")
  VALUES (s."id", s."trueup_lastmodified", s."_trueup_payload", s."_trueup_deleted", s."_trueup_run_id", s."_trueup_loaded_at", s."_trueup_position");

MERGE INTO "trueup"."extract_state" t
USING (SELECT ? AS "source", ? AS "stream", PARSE_JSON(?) AS "cursor", ? AS "run_id") s
ON t."source" = s."source" AND t."stream" = s."stream"
WHEN MATCHED THEN UPDATE SET t."cursor" = s."cursor", t."updated_at" = CURRENT_TIMESTAMP(), t."run_id" = s."run_id"
WHEN NOT MATCHED THEN INSERT ("source", "stream", "cursor", "updated_at", "run_id")
  VALUES (s."source", s."stream", s."cursor", CURRENT_TIMESTAMP(), s."run_id");

COMMIT;

REMOVE @"staging".%"netsuite__transaction" PATTERN = '.*.batch.prefix.-[0-9]+[.]csv[.]gz';
