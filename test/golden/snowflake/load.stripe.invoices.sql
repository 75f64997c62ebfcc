-- stripe.invoices: raw append, staging merge (one row per id), cursor — one transaction per batch;

CREATE TABLE IF NOT EXISTS "raw"."stripe__invoices" (
  "_trueup_run_id" VARCHAR NOT NULL COMMENT 'Run that landed the record.',
  "_trueup_loaded_at" TIMESTAMP_TZ NOT NULL COMMENT 'When it was landed.',
  "_trueup_source" VARCHAR NOT NULL COMMENT 'Source system.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source it came from (page, file:line).',
  "_trueup_deleted" BOOLEAN COMMENT 'The source reported the record deleted.',
  "_trueup_payload" VARIANT COMMENT 'The record exactly as the source returned it.'
);

CREATE TABLE IF NOT EXISTS "staging"."stripe__invoices" (
  "id" VARCHAR NOT NULL,
  "_trueup_payload" VARIANT COMMENT 'The whole record as the source returned it.',
  "_trueup_deleted" BOOLEAN COMMENT 'Tombstone: deleted in the source.',
  "_trueup_run_id" VARCHAR COMMENT 'Run that last changed this row.',
  "_trueup_loaded_at" TIMESTAMP_TZ COMMENT 'When this row last changed.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source the current version came from.',
  PRIMARY KEY ("id")
);

CREATE OR REPLACE TEMPORARY TABLE "staging"."_trueup_batch_stripe__invoices" LIKE "staging"."stripe__invoices";

ALTER TABLE "staging"."_trueup_batch_stripe__invoices" ADD COLUMN "_trueup_seq" NUMBER(38,0);

BEGIN;

PUT 'file://<batch dir>/raw-*.csv.gz' @"raw".%"stripe__invoices" AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

COPY INTO "raw"."stripe__invoices" ("_trueup_run_id", "_trueup_loaded_at", "_trueup_source", "_trueup_position", "_trueup_deleted", "_trueup_payload")
  FROM (SELECT $1, $2, $3, $4, $5, PARSE_JSON($6) FROM @"raw".%"stripe__invoices")
  FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\N') EMPTY_FIELD_AS_NULL = FALSE)
  ON_ERROR = CONTINUE PURGE = TRUE;

SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE("raw"."stripe__invoices", JOB_ID => '_last'));

PUT 'file://<batch dir>/staging-*.csv.gz' @"staging".%"_trueup_batch_stripe__invoices" AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

COPY INTO "staging"."_trueup_batch_stripe__invoices" ("id", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position", "_trueup_seq")
  FROM (SELECT $1, PARSE_JSON($2), $3, $4, $5, $6, $7 FROM @"staging".%"_trueup_batch_stripe__invoices")
  FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\N') EMPTY_FIELD_AS_NULL = FALSE)
  ON_ERROR = CONTINUE PURGE = TRUE;

SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE("staging"."_trueup_batch_stripe__invoices", JOB_ID => '_last'));

MERGE INTO "staging"."stripe__invoices" t
USING (
  SELECT * FROM "staging"."_trueup_batch_stripe__invoices"
  QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "_trueup_seq" DESC) = 1
) s
ON t."id" = s."id"
WHEN MATCHED THEN UPDATE SET
    t."_trueup_payload" = IFF(s."_trueup_deleted", COALESCE(t."_trueup_payload", s."_trueup_payload"), s."_trueup_payload"),
    t."_trueup_deleted" = s."_trueup_deleted",
    t."_trueup_run_id" = s."_trueup_run_id",
    t."_trueup_loaded_at" = s."_trueup_loaded_at",
    t."_trueup_position" = s."_trueup_position"
WHEN NOT MATCHED THEN INSERT ("id", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position")
  VALUES (s."id", s."_trueup_payload", s."_trueup_deleted", s."_trueup_run_id", s."_trueup_loaded_at", s."_trueup_position");

MERGE INTO "trueup"."extract_state" t
USING (SELECT ? AS "source", ? AS "stream", PARSE_JSON(?) AS "cursor", ? AS "run_id") s
ON t."source" = s."source" AND t."stream" = s."stream"
WHEN MATCHED THEN UPDATE SET t."cursor" = s."cursor", t."updated_at" = CURRENT_TIMESTAMP(), t."run_id" = s."run_id"
WHEN NOT MATCHED THEN INSERT ("source", "stream", "cursor", "updated_at", "run_id")
  VALUES (s."source", s."stream", s."cursor", CURRENT_TIMESTAMP(), s."run_id");

COMMIT;
