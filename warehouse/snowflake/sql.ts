import { quoteIdentifier, quoteLiteral } from "../identifiers.js";
import type { ColumnSpec, TableRef } from "../interfaces.js";
import { SNOWFLAKE_TYPES } from "./types.js";

/**
 * The Snowflake text of the load statements (the Postgres ones live in load/ and
 * warehouse/postgres/). Shared by SnowflakeWarehouse and `trueup compile`, so what is reviewed
 * in the golden files is what runs.
 */
const q = quoteIdentifier;

export function table(t: TableRef): string {
  return `${q(t.schema)}.${q(t.name)}`;
}

/** The table's own stage (`@schema.%table`): every table has one, no grants needed. */
export function tableStage(t: TableRef): string {
  return `@${q(t.schema)}.%${q(t.name)}`;
}

export function createTable(
  t: TableRef,
  columns: readonly ColumnSpec[],
  primaryKey?: readonly string[],
): string {
  const cols = columns.map(
    (c) =>
      `${q(c.name)} ${SNOWFLAKE_TYPES[c.type]}${c.nullable === false ? " NOT NULL" : ""}${c.description ? ` COMMENT ${quoteLiteral(c.description)}` : ""}`,
  );
  // Snowflake records a primary key but does not enforce it: the MERGE below is what keeps one row per key.
  if (primaryKey?.length) cols.push(`PRIMARY KEY (${primaryKey.map(q).join(", ")})`);
  return `CREATE TABLE IF NOT EXISTS ${table(t)} (\n  ${cols.join(",\n  ")}\n)`;
}

/** CSV as trueup writes it for a stage: gzip, `"`-quoted fields, `\N` for NULL. */
export const STAGE_FILE_FORMAT = `TYPE = CSV COMPRESSION = GZIP FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' ESCAPE_UNENCLOSED_FIELD = NONE NULL_IF = ('\\\\N') EMPTY_FIELD_AS_NULL = FALSE`;

/** `PUT` of local files into a table's stage (the driver uploads them, compressed already). */
export function putFiles(localGlob: string, t: TableRef): string {
  return `PUT ${quoteLiteral(`file://${localGlob}`)} ${tableStage(t)} AUTO_COMPRESS = FALSE OVERWRITE = TRUE`;
}

/**
 * COPY INTO from the table's stage. JSON columns are parsed on the way (`PARSE_JSON`); a row that
 * fails is skipped (`ON_ERROR = CONTINUE`) and reported by `VALIDATE` afterwards, as a reject.
 */
export function copyFromStage(
  t: TableRef,
  columns: readonly ColumnSpec[],
  stage: TableRef = t,
  files?: readonly string[],
): string {
  const select = columns
    .map((c, i) => (c.type === "jsonb" ? `PARSE_JSON($${i + 1})` : `$${i + 1}`))
    .join(", ");
  const only = files?.length ? ` FILES = (${files.map(quoteLiteral).join(", ")})` : "";
  return `COPY INTO ${table(t)} (${columns.map((c) => q(c.name)).join(", ")})
  FROM (SELECT ${select} FROM ${tableStage(stage)})${only}
  FILE_FORMAT = (${STAGE_FILE_FORMAT})
  ON_ERROR = CONTINUE PURGE = TRUE`;
}

/** The rows the last COPY INTO of this session skipped, with Snowflake's reason. */
export function validateLastCopy(t: TableRef): string {
  return `SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE(${table(t)}, JOB_ID => '_last'))`;
}

/**
 * The batch table a stream's rows are copied into before the merge, with the order rows arrived
 * in (`_trueup_seq`). Created before BEGIN: DDL commits implicitly in Snowflake.
 */
export function createBatchTable(batch: TableRef, staging: TableRef): string[] {
  return [
    `CREATE OR REPLACE TEMPORARY TABLE ${table(batch)} LIKE ${table(staging)}`,
    `ALTER TABLE ${table(batch)} ADD COLUMN "_trueup_seq" NUMBER(38,0)`,
  ];
}

/**
 * One row per key into staging, latest version wins (the stream's cursor column, then the order
 * rows arrived in); a tombstone marks the row deleted and keeps the values it does not carry
 * (and the last full payload).
 */
export function mergeIntoStaging(options: {
  staging: TableRef;
  batch: TableRef;
  columns: readonly string[];
  primaryKey: readonly string[];
  versionColumn?: string;
}): string {
  const { columns, primaryKey, versionColumn } = options;
  const v = versionColumn ? q(versionColumn) : undefined;
  const order = `${v ? `${v} DESC NULLS LAST, ` : ""}"_trueup_seq" DESC`;
  const live = columns.filter((c) => !primaryKey.includes(c));
  const meta = new Set(["_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position"]);
  const set = live
    .map((c) =>
      meta.has(c)
        ? `t.${q(c)} = s.${q(c)}`
        : c === "_trueup_payload"
          ? `t.${q(c)} = IFF(s."_trueup_deleted", COALESCE(t.${q(c)}, s.${q(c)}), s.${q(c)})`
          : `t.${q(c)} = IFF(s."_trueup_deleted", COALESCE(s.${q(c)}, t.${q(c)}), s.${q(c)})`,
    )
    .join(",\n    ");
  const newer = v ? ` AND (t.${v} IS NULL OR s.${v} IS NULL OR s.${v} >= t.${v})` : "";
  return `MERGE INTO ${table(options.staging)} t
USING (
  SELECT * FROM ${table(options.batch)}
  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${primaryKey.map(q).join(", ")} ORDER BY ${order}) = 1
) s
ON ${primaryKey.map((k) => `t.${q(k)} = s.${q(k)}`).join(" AND ")}
WHEN MATCHED${newer} THEN UPDATE SET
    ${set}
WHEN NOT MATCHED THEN INSERT (${columns.map(q).join(", ")})
  VALUES (${columns.map((c) => `s.${q(c)}`).join(", ")})`;
}

/** The stream's cursor, in the same transaction as its rows (binds: source, stream, cursor json, run id). */
export const SAVE_CURSOR = `MERGE INTO "trueup"."extract_state" t
USING (SELECT ? AS "source", ? AS "stream", PARSE_JSON(?) AS "cursor", ? AS "run_id") s
ON t."source" = s."source" AND t."stream" = s."stream"
WHEN MATCHED THEN UPDATE SET t."cursor" = s."cursor", t."updated_at" = CURRENT_TIMESTAMP(), t."run_id" = s."run_id"
WHEN NOT MATCHED THEN INSERT ("source", "stream", "cursor", "updated_at", "run_id")
  VALUES (s."source", s."stream", s."cursor", CURRENT_TIMESTAMP(), s."run_id")`;
