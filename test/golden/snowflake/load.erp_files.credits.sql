-- erp_files.credits: raw append, staging merge (one row per credit_no), cursor — one transaction per batch;

CREATE TABLE IF NOT EXISTS "raw"."erp_files__credits" (
  "_trueup_run_id" VARCHAR NOT NULL COMMENT 'Run that landed the record.',
  "_trueup_loaded_at" TIMESTAMP_TZ NOT NULL COMMENT 'When it was landed.',
  "_trueup_source" VARCHAR NOT NULL COMMENT 'Source system.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source it came from (page, file:line).',
  "_trueup_deleted" BOOLEAN COMMENT 'The source reported the record deleted.',
  "_trueup_payload" VARIANT COMMENT 'The record exactly as the source returned it.'
);

CREATE TABLE IF NOT EXISTS "staging"."erp_files__credits" (
  "credit_date" DATE,
  "net_amount" NUMBER(38,10),
  "tax_amount" NUMBER(38,10),
  "gross_amount" NUMBER(38,10),
  "credit_no" VARCHAR NOT NULL,
  "_trueup_payload" VARIANT COMMENT 'The whole record as the source returned it.',
  "_trueup_deleted" BOOLEAN COMMENT 'Tombstone: deleted in the source.',
  "_trueup_run_id" VARCHAR COMMENT 'Run that last changed this row.',
  "_trueup_loaded_at" TIMESTAMP_TZ COMMENT 'When this row last changed.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source the current version came from.',
  PRIMARY KEY ("credit_no")
);

CREATE OR REPLACE TEMPORARY TABLE "staging"."_trueup_batch__erp_files__credits" (
  "credit_date" VARCHAR,
  "net_amount" VARCHAR,
  "tax_amount" VARCHAR,
  "gross_amount" VARCHAR,
  "credit_no" VARCHAR,
  "_trueup_payload" VARCHAR,
  "_trueup_deleted" VARCHAR,
  "_trueup_run_id" VARCHAR,
  "_trueup_loaded_at" VARCHAR,
  "_trueup_position" VARCHAR,
  "_trueup_seq" NUMBER(38,0)
);

PUT 'file://<batch dir>/batch-*.csv.gz' @"staging".%"erp_files__credits" AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

BEGIN;

COPY INTO "staging"."_trueup_batch__erp_files__credits" ("credit_date", "net_amount", "tax_amount", "gross_amount", "credit_no", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position", "_trueup_seq")
  FROM @"staging".%"erp_files__credits"
  FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\N') EMPTY_FIELD_AS_NULL = FALSE)
  ON_ERROR = CONTINUE PURGE = FALSE;

SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE("staging"."_trueup_batch__erp_files__credits", JOB_ID => '_last'));

SELECT "column", COUNT(*) AS "n", MIN_BY("position", "seq") AS "first_position" FROM (
  SELECT 'credit_date' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "credit_date" IS NOT NULL AND TRY_TO_DATE("credit_date") IS NULL
  UNION ALL SELECT 'net_amount' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "net_amount" IS NOT NULL AND TRY_TO_NUMBER("net_amount", 38, 10) IS NULL
  UNION ALL SELECT 'tax_amount' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "tax_amount" IS NOT NULL AND TRY_TO_NUMBER("tax_amount", 38, 10) IS NULL
  UNION ALL SELECT 'gross_amount' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "gross_amount" IS NOT NULL AND TRY_TO_NUMBER("gross_amount", 38, 10) IS NULL
  UNION ALL SELECT '_trueup_payload' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "_trueup_payload" IS NOT NULL AND TRY_PARSE_JSON("_trueup_payload") IS NULL
  UNION ALL SELECT '_trueup_deleted' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "_trueup_deleted" IS NOT NULL AND TRY_TO_BOOLEAN("_trueup_deleted") IS NULL
  UNION ALL SELECT '_trueup_loaded_at' AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM "staging"."_trueup_batch__erp_files__credits" WHERE "_trueup_loaded_at" IS NOT NULL AND TRY_TO_TIMESTAMP_TZ("_trueup_loaded_at") IS NULL
) GROUP BY "column";

INSERT INTO "raw"."erp_files__credits" ("_trueup_run_id", "_trueup_loaded_at", "_trueup_source", "_trueup_position", "_trueup_deleted", "_trueup_payload")
SELECT "_trueup_run_id", TRY_TO_TIMESTAMP_TZ("_trueup_loaded_at"), 'erp_files' AS "_trueup_source", "_trueup_position", TRY_TO_BOOLEAN("_trueup_deleted"), TRY_PARSE_JSON("_trueup_payload")
  FROM "staging"."_trueup_batch__erp_files__credits" ORDER BY "_trueup_seq";

MERGE INTO "staging"."erp_files__credits" t
USING (
  SELECT * FROM (
    SELECT TRY_TO_DATE("credit_date") AS "credit_date", TRY_TO_NUMBER("net_amount", 38, 10) AS "net_amount", TRY_TO_NUMBER("tax_amount", 38, 10) AS "tax_amount", TRY_TO_NUMBER("gross_amount", 38, 10) AS "gross_amount", "credit_no" AS "credit_no", TRY_PARSE_JSON("_trueup_payload") AS "_trueup_payload", TRY_TO_BOOLEAN("_trueup_deleted") AS "_trueup_deleted", "_trueup_run_id" AS "_trueup_run_id", TRY_TO_TIMESTAMP_TZ("_trueup_loaded_at") AS "_trueup_loaded_at", "_trueup_position" AS "_trueup_position", "_trueup_seq"
      FROM "staging"."_trueup_batch__erp_files__credits"
  )
  QUALIFY ROW_NUMBER() OVER (PARTITION BY "credit_no" ORDER BY "_trueup_seq" DESC) = 1
) s
ON t."credit_no" = s."credit_no"
WHEN MATCHED AND NOT (EQUAL_NULL(t."credit_date", IFF(s."_trueup_deleted", COALESCE(s."credit_date", t."credit_date"), s."credit_date")) AND EQUAL_NULL(t."net_amount", IFF(s."_trueup_deleted", COALESCE(s."net_amount", t."net_amount"), s."net_amount")) AND EQUAL_NULL(t."tax_amount", IFF(s."_trueup_deleted", COALESCE(s."tax_amount", t."tax_amount"), s."tax_amount")) AND EQUAL_NULL(t."gross_amount", IFF(s."_trueup_deleted", COALESCE(s."gross_amount", t."gross_amount"), s."gross_amount")) AND EQUAL_NULL(t."_trueup_payload", IFF(s."_trueup_deleted", COALESCE(t."_trueup_payload", s."_trueup_payload"), s."_trueup_payload")) AND EQUAL_NULL(t."_trueup_deleted", s."_trueup_deleted")) THEN UPDATE SET
    t."credit_date" = IFF(s."_trueup_deleted", COALESCE(s."credit_date", t."credit_date"), s."credit_date"),
    t."net_amount" = IFF(s."_trueup_deleted", COALESCE(s."net_amount", t."net_amount"), s."net_amount"),
    t."tax_amount" = IFF(s."_trueup_deleted", COALESCE(s."tax_amount", t."tax_amount"), s."tax_amount"),
    t."gross_amount" = IFF(s."_trueup_deleted", COALESCE(s."gross_amount", t."gross_amount"), s."gross_amount"),
    t."_trueup_payload" = IFF(s."_trueup_deleted", COALESCE(t."_trueup_payload", s."_trueup_payload"), s."_trueup_payload"),
    t."_trueup_deleted" = s."_trueup_deleted",
    t."_trueup_run_id" = s."_trueup_run_id",
    t."_trueup_loaded_at" = s."_trueup_loaded_at",
    t."_trueup_position" = s."_trueup_position"
WHEN NOT MATCHED THEN INSERT ("credit_date", "net_amount", "tax_amount", "gross_amount", "credit_no", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position")
  VALUES (s."credit_date", s."net_amount", s."tax_amount", s."gross_amount", s."credit_no", s."_trueup_payload", s."_trueup_deleted", s."_trueup_run_id", s."_trueup_loaded_at", s."_trueup_position");

MERGE INTO "trueup"."extract_state" t
USING (SELECT ? AS "source", ? AS "stream", PARSE_JSON(?) AS "cursor", ? AS "run_id") s
ON t."source" = s."source" AND t."stream" = s."stream"
WHEN MATCHED THEN UPDATE SET t."cursor" = s."cursor", t."updated_at" = CURRENT_TIMESTAMP(), t."run_id" = s."run_id"
WHEN NOT MATCHED THEN INSERT ("source", "stream", "cursor", "updated_at", "run_id")
  VALUES (s."source", s."stream", s."cursor", CURRENT_TIMESTAMP(), s."run_id");

COMMIT;

REMOVE @"staging".%"erp_files__credits" PATTERN = '.*.batch.prefix.-[0-9]+[.]csv[.]gz';
