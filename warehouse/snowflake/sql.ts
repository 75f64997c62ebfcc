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
 * A batch's landing table: every column VARCHAR (plus `_trueup_seq`, the order rows arrived in),
 * so the COPY INTO it is a plain column-for-column load that VALIDATE can report on (Snowflake's
 * VALIDATE refuses COPY statements that transform in a SELECT) and no value is refused for its
 * type there: types are applied by the statements below, value by value (`typed`). One per
 * stream, replaced every batch; temporary, so it lives in the loading session only. Created
 * before BEGIN: DDL commits implicitly in Snowflake.
 */
export function landingTable(staging: TableRef): TableRef {
  return { schema: staging.schema, name: `_trueup_batch__${staging.name}` };
}

export interface BatchLoad {
  raw: TableRef;
  staging: TableRef;
  /** The source system, written to raw's `_trueup_source`. */
  source: string;
  /** Staging's columns in the files' order (the landing table adds `_trueup_seq` after them). */
  columns: readonly ColumnSpec[];
  primaryKey: readonly string[];
  versionColumn?: string;
}

export function createLandingTable(load: BatchLoad): string {
  const cols = load.columns.map((c) => `${q(c.name)} VARCHAR`);
  return `CREATE OR REPLACE TEMPORARY TABLE ${table(landingTable(load.staging))} (\n  ${[...cols, `"_trueup_seq" NUMBER(38,0)`].join(",\n  ")}\n)`;
}

/**
 * COPY INTO a table from a table's stage, column for column (no transformation). A row that
 * fails is skipped (`ON_ERROR = CONTINUE`) and reported by `VALIDATE` afterwards, as a reject.
 * The files stay until then (VALIDATE reads them again; purged ones are reported as missing)
 * and are removed after the transaction (`removeStaged`).
 */
export function copyFromStage(
  t: TableRef,
  columns: readonly string[],
  stage: TableRef = t,
  files?: readonly string[],
): string {
  const only = files?.length ? `\n  FILES = (${files.map(quoteLiteral).join(", ")})` : "";
  return `COPY INTO ${table(t)} (${columns.map(q).join(", ")})
  FROM ${tableStage(stage)}${only}
  FILE_FORMAT = (${STAGE_FILE_FORMAT})
  ON_ERROR = CONTINUE PURGE = FALSE`;
}

/** A landing table's batch COPY: staging's columns, then `_trueup_seq`, from staging's stage. */
export function copyIntoLanding(load: BatchLoad, files?: readonly string[]): string {
  return copyFromStage(
    landingTable(load.staging),
    [...load.columns.map((c) => c.name), "_trueup_seq"],
    load.staging,
    files,
  );
}

/** A batch's staged files, removed once the transaction that loaded them has ended. */
export function removeStaged(stage: TableRef, prefix: string): string {
  // The prefix ends in random hex: any character other than a name's matches itself loosely.
  const pattern = prefix.replace(/[^A-Za-z0-9_-]/g, ".");
  return `REMOVE ${tableStage(stage)} PATTERN = ${quoteLiteral(`.*${pattern}-[0-9]+[.]csv[.]gz`)}`;
}

/** The rows the last COPY INTO of this session skipped, with Snowflake's reason. */
export function validateLastCopy(t: TableRef): string {
  return `SELECT "ERROR", "FILE", "LINE", "CHARACTER", "COLUMN_NAME", "ROW_NUMBER", "REJECTED_RECORD" FROM TABLE(VALIDATE(${table(t)}, JOB_ID => '_last'))`;
}

/** A landing column's text as its logical type; NULL where the text does not convert. */
export function typed(c: Pick<ColumnSpec, "name" | "type">, alias = ""): string {
  const ref = `${alias}${q(c.name)}`;
  switch (c.type) {
    case "text":
      return ref;
    case "bigint":
      return `TRY_TO_NUMBER(${ref}, 38, 0)`;
    case "numeric":
      return `TRY_TO_NUMBER(${ref}, 38, 10)`;
    case "double":
      return `TRY_TO_DOUBLE(${ref})`;
    case "boolean":
      return `TRY_TO_BOOLEAN(${ref})`;
    case "timestamptz":
      return `TRY_TO_TIMESTAMP_TZ(${ref})`;
    case "date":
      return `TRY_TO_DATE(${ref})`;
    case "jsonb":
      return `TRY_PARSE_JSON(${ref})`;
  }
}

/**
 * Values Snowflake cannot take in their column's type (trueup checked them already; this catches
 * what only Snowflake refuses, such as a number beyond 38 digits): per column, how many and the
 * first row's position. They go NULL in staging and stay in the payload, as on Postgres.
 */
export function castFailures(load: BatchLoad): string | undefined {
  const checked = load.columns.filter((c) => c.type !== "text");
  if (!checked.length) return undefined;
  const landing = table(landingTable(load.staging));
  const parts = checked.map(
    (c) =>
      `SELECT ${quoteLiteral(c.name)} AS "column", "_trueup_position" AS "position", "_trueup_seq" AS "seq" FROM ${landing} WHERE ${q(c.name)} IS NOT NULL AND ${typed(c)} IS NULL`,
  );
  // The first failing row in arrival order (positions are text: "page 10" < "page 2").
  return `SELECT "column", COUNT(*) AS "n", MIN_BY("position", "seq") AS "first_position" FROM (\n  ${parts.join("\n  UNION ALL ")}\n) GROUP BY "column"`;
}

/** Raw's append: the landed rows with their bookkeeping, in arrival order. */
export function insertRaw(load: BatchLoad, rawColumns: readonly ColumnSpec[]): string {
  const values = rawColumns.map((c) =>
    c.name === "_trueup_source" ? `${quoteLiteral(load.source)} AS ${q(c.name)}` : typed(c),
  );
  return `INSERT INTO ${table(load.raw)} (${rawColumns.map((c) => q(c.name)).join(", ")})
SELECT ${values.join(", ")}
  FROM ${table(landingTable(load.staging))} ORDER BY "_trueup_seq"`;
}

/**
 * One row per key into staging, latest version wins (the stream's cursor column, then the order
 * rows arrived in); a tombstone marks the row deleted and keeps the values it does not carry
 * (and the last full payload). Values are typed first, then ranked, so the version compares as
 * a timestamp, not as text.
 */
export function mergeIntoStaging(load: BatchLoad): string {
  const { primaryKey, versionColumn } = load;
  const columns = load.columns.map((c) => c.name);
  const v = versionColumn ? q(versionColumn) : undefined;
  const order = `${v ? `${v} DESC NULLS LAST, ` : ""}"_trueup_seq" DESC`;
  const live = columns.filter((c) => !primaryKey.includes(c));
  const meta = new Set(["_trueup_deleted", "_trueup_run_id", "_trueup_loaded_at", "_trueup_position"]);
  const value = (c: string) =>
    meta.has(c)
      ? `s.${q(c)}`
      : c === "_trueup_payload"
        ? `IFF(s."_trueup_deleted", COALESCE(t.${q(c)}, s.${q(c)}), s.${q(c)})`
        : `IFF(s."_trueup_deleted", COALESCE(s.${q(c)}, t.${q(c)}), s.${q(c)})`;
  const set = live.map((c) => `t.${q(c)} = ${value(c)}`).join(",\n    ");
  // A version re-read with nothing new leaves the row (and its load time) as it was.
  const content = live.filter((c) => c === "_trueup_deleted" || !meta.has(c));
  const changed = content.length
    ? ` AND NOT (${content.map((c) => `EQUAL_NULL(t.${q(c)}, ${value(c)})`).join(" AND ")})`
    : " AND FALSE";
  const newer = `${v ? ` AND (t.${v} IS NULL OR s.${v} IS NULL OR s.${v} >= t.${v})` : ""}${changed}`;
  const values = load.columns.map((c) => `${typed(c)} AS ${q(c.name)}`);
  return `MERGE INTO ${table(load.staging)} t
USING (
  SELECT * FROM (
    SELECT ${values.join(", ")}, "_trueup_seq"
      FROM ${table(landingTable(load.staging))}
  )
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
