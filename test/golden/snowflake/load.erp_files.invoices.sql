-- erp_files.invoices: raw append, staging merge (one row per invoice_no), cursor — one transaction per batch;

CREATE TABLE IF NOT EXISTS "raw"."erp_files__invoices" (
  "_trueup_run_id" VARCHAR NOT NULL COMMENT 'Run that landed the record.',
  "_trueup_loaded_at" TIMESTAMP_TZ NOT NULL COMMENT 'When it was landed.',
  "_trueup_source" VARCHAR NOT NULL COMMENT 'Source system.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source it came from (page, file:line).',
  "_trueup_deleted" BOOLEAN COMMENT 'The source reported the record deleted.',
  "_trueup_payload" VARIANT COMMENT 'The record exactly as the source returned it.'
);

CREATE TABLE IF NOT EXISTS "staging"."erp_files__invoices" (
  "invoice_date" DATE,
  "due_date" DATE,
  "net_amount" NUMBER(38,10),
  "tax_amount" NUMBER(38,10),
  "gross_amount" NUMBER(38,10),
  "invoice_no" VARCHAR NOT NULL,
  "_trueup_payload" VARIANT COMMENT 'The whole record as the source returned it.',
  "_trueup_deleted" BOOLEAN COMMENT 'Tombstone: deleted in the source.',
  "_trueup_run_id" VARCHAR COMMENT 'Run that last changed this row.',
  "_trueup_loaded_at" TIMESTAMP_TZ COMMENT 'When this row last changed.',
  "_trueup_position" VARCHAR COMMENT 'Where in the source the current version came from.',
  PRIMARY KEY ("invoice_no")
);

CREATE OR REPLACE TEMPORARY TABLE "staging"."_trueup_batch_erp_files__invoices" LIKE "staging"."erp_files__invoices";

ALTER TABLE "staging"."_trueup_batch_erp_files__invoices" ADD COLUMN "_trueup_seq" NUMBER(38,0);

BEGIN;

PUT 'file://<batch dir>/raw-*.csv.gz' @"raw".%"erp_files__invoices" AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

COPY INTO "raw"."erp_files__invoices" ("_trueup_run_id", "_trueup_loaded_at", "_trueup_source", "_trueup_position", "_trueup_deleted", "_trueup_payload")
  FROM (SELECT $1, $2, $3, $4, $5, PARSE_JSON($6) FROM @"raw".%"erp_files__invoices")
  FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\N') EMPTY_FIELD_AS_NULL = FALSE)
  ON_ERROR = CONTINUE PURGE = TRUE;

SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE("raw"."erp_files__invoices", JOB_ID => '_last'));

PUT 'file://<batch dir>/staging-*.csv.gz' @"staging".%"_trueup_batch_erp_files__invoices" AUTO_COMPRESS = FALSE OVERWRITE = TRUE;

COPY INTO "staging"."_trueup_batch_erp_files__invoices" ("invoice_date", "due_date", "net_amount", "tax_amount", "gross_amount", "invoice_no", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position", "_trueup_seq")
  FROM (SELECT $1, $2, $3, $4, $5, $6, PARSE_JSON($7), $8, $9, $10, $11, $12 FROM @"staging".%"_trueup_batch_erp_files__invoices")
  FILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\N') EMPTY_FIELD_AS_NULL = FALSE)
  ON_ERROR = CONTINUE PURGE = TRUE;

SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE("staging"."_trueup_batch_erp_files__invoices", JOB_ID => '_last'));

MERGE INTO "staging"."erp_files__invoices" t
USING (
  SELECT * FROM "staging"."_trueup_batch_erp_files__invoices"
  QUALIFY ROW_NUMBER() OVER (PARTITION BY "invoice_no" ORDER BY "_trueup_seq" DESC) = 1
) s
ON t."invoice_no" = s."invoice_no"
WHEN MATCHED THEN UPDATE SET
    t."invoice_date" = IFF(s."_trueup_deleted", COALESCE(s."invoice_date", t."invoice_date"), s."invoice_date"),
    t."due_date" = IFF(s."_trueup_deleted", COALESCE(s."due_date", t."due_date"), s."due_date"),
    t."net_amount" = IFF(s."_trueup_deleted", COALESCE(s."net_amount", t."net_amount"), s."net_amount"),
    t."tax_amount" = IFF(s."_trueup_deleted", COALESCE(s."tax_amount", t."tax_amount"), s."tax_amount"),
    t."gross_amount" = IFF(s."_trueup_deleted", COALESCE(s."gross_amount", t."gross_amount"), s."gross_amount"),
    t."_trueup_payload" = IFF(s."_trueup_deleted", COALESCE(t."_trueup_payload", s."_trueup_payload"), s."_trueup_payload"),
    t."_trueup_deleted" = s."_trueup_deleted",
    t."_trueup_run_id" = s."_trueup_run_id",
    t."_trueup_loaded_at" = s."_trueup_loaded_at",
    t."_trueup_position" = s."_trueup_position"
WHEN NOT MATCHED THEN INSERT ("invoice_date", "due_date", "net_amount", "tax_amount", "gross_amount", "invoice_no", "_trueup_payload", "_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position")
  VALUES (s."invoice_date", s."due_date", s."net_amount", s."tax_amount", s."gross_amount", s."invoice_no", s."_trueup_payload", s."_trueup_deleted", s."_trueup_run_id", s."_trueup_loaded_at", s."_trueup_position");

MERGE INTO "trueup"."extract_state" t
USING (SELECT ? AS "source", ? AS "stream", PARSE_JSON(?) AS "cursor", ? AS "run_id") s
ON t."source" = s."source" AND t."stream" = s."stream"
WHEN MATCHED THEN UPDATE SET t."cursor" = s."cursor", t."updated_at" = CURRENT_TIMESTAMP(), t."run_id" = s."run_id"
WHEN NOT MATCHED THEN INSERT ("source", "stream", "cursor", "updated_at", "run_id")
  VALUES (s."source", s."stream", s."cursor", CURRENT_TIMESTAMP(), s."run_id");

COMMIT;
