import { quoteLiteral } from "../warehouse/identifiers.js";
import { SNOWFLAKE_TYPES } from "../warehouse/snowflake/types.js";
import type { Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import type { ModelDefinition } from "./interfaces.js";

export interface MaterializeResult {
  /** Rows in the relation after the build. */
  rows: number;
  /** Rows inserted or changed (incremental: only those; table: all). */
  touched: number;
  mode: "view" | "table" | "incremental-full" | "incremental-merge";
}

type Kind = "view" | "table" | undefined;

async function relationKind(tx: WarehouseSession, schema: string, name: string): Promise<Kind> {
  const rows = await tx.query<{ relkind: string }>(
    `SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [tx.physicalName(schema), tx.physicalName(name)],
  );
  const k = rows[0]?.relkind;
  return k === "v" ? "view" : k === "r" || k === "p" ? "table" : undefined;
}

async function dropRelation(tx: WarehouseSession, rel: string, kind: Kind): Promise<void> {
  // CASCADE: dependent views are rebuilt after this model, in DAG order, in the same build.
  if (kind === "view") await tx.query(`DROP VIEW ${rel} CASCADE`);
  if (kind === "table") await tx.query(`DROP TABLE ${rel} CASCADE`);
}

function commentLiteral(description: string | undefined): string {
  return description ? quoteLiteral(description) : "NULL";
}

async function comment(
  tx: WarehouseSession,
  def: ModelDefinition,
  rel: string,
  kind: "VIEW" | "TABLE",
  name = def.name,
) {
  // No description: no comment (NULL also clears one a previous build left).
  await tx.query(`COMMENT ON ${kind} ${rel} IS ${commentLiteral(def.description)}`);
  const cols = new Set((await tx.columns({ schema: def.schema ?? "canonical", name })).map((c) => c.name));
  for (const [column, doc] of Object.entries(def.columns ?? {})) {
    if (cols.has(column)) {
      await tx.query(
        `COMMENT ON COLUMN ${rel}.${tx.quoteIdent(column)} IS ${commentLiteral(doc.description)}`,
      );
    }
  }
}

async function count(tx: WarehouseSession, rel: string): Promise<number> {
  return Number((await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${rel}`))[0]!.n);
}

/**
 * Builds one model in one transaction, so readers see the old relation until the new one is
 * complete: views are replaced; tables are built under a temporary name and swapped in;
 * incremental models merge the changed rows on their unique key and leave the rest untouched.
 *
 * Models of one run build side by side: the build holds no lock another model's build waits
 * for (only its own model's, against a second build of the same model), and a table whose shape
 * changed is swapped in by DROP and RENAME only once it is complete, indexed and counted, so
 * readers of the old table wait for a rename, not for the build.
 */
export async function materialize(
  wh: Warehouse,
  def: ModelDefinition,
  compiled: { full: string; incremental?: string },
  options: { fullRefresh?: boolean } = {},
): Promise<MaterializeResult> {
  const schema = def.schema ?? "canonical";
  // Two transactions creating one schema at once fail (a unique violation in the catalog), so the
  // schema is made under the warehouse-wide DDL lock, in a transaction of its own that ends at
  // once; the build itself must not hold that lock, or every model of the run waits for it.
  await wh.transaction(async (tx) => {
    await tx.lockForTransaction("ddl");
    await tx.ensureSchema(schema);
  });
  return wh.transaction(async (tx) => {
    await tx.lockForTransaction(`model:${schema}.${def.name}`);
    if (tx.dialect === "snowflake") return materializeSnowflake(tx, def, compiled, options, schema);
    const rel = tx.quoteTable({ schema, name: def.name });
    const kind = await relationKind(tx, schema, def.name);

    if (def.materialized === "view") {
      // Replaced in place where Postgres allows it (same leading columns), so views on this one
      // keep working; else dropped with its dependants, which the build recreates after it.
      let replaced = false;
      if (kind === "view") {
        await tx.query("SAVEPOINT trueup_view");
        replaced = await tx.query(`CREATE OR REPLACE VIEW ${rel} AS ${compiled.full}`).then(
          () => true,
          () => false,
        );
        await tx.query(replaced ? "RELEASE SAVEPOINT trueup_view" : "ROLLBACK TO SAVEPOINT trueup_view");
      }
      if (!replaced) {
        await dropRelation(tx, rel, kind);
        await tx.query(`CREATE VIEW ${rel} AS ${compiled.full}`);
      }
      await comment(tx, def, rel, "VIEW");
      return { rows: await count(tx, rel), touched: 0, mode: "view" };
    }

    const merge =
      def.materialized === "incremental" && kind === "table" && !options.fullRefresh && compiled.incremental;
    if (!merge) {
      const tmpName = `${def.name}__trueup_new`;
      const tmp = tx.quoteTable({ schema, name: tmpName });
      await tx.query(`DROP TABLE IF EXISTS ${tmp}`);
      // Same columns as the table there: its rows are replaced in place, so views on it (the
      // user's, and later models' not yet rebuilt if the build stops here) keep working.
      if (kind === "table") {
        await tx.query(`CREATE TABLE ${tmp} AS ${compiled.full}\nWITH NO DATA`);
        const shape = async (name: string) =>
          (await tx.columns({ schema, name })).map((c) => `${c.name} ${c.nativeType}`).join(", ");
        const same = (await shape(tmpName)) === (await shape(def.name));
        await tx.query(`DROP TABLE ${tmp}`);
        if (same) {
          await tx.query(`DELETE FROM ${rel}`);
          await tx.query(`INSERT INTO ${rel} ${compiled.full}`);
          if (def.uniqueKey?.length) {
            await tx.query(
              `CREATE UNIQUE INDEX IF NOT EXISTS ${tx.quoteIdent(`${def.name}__uk`)} ON ${rel} (${def.uniqueKey.map((c) => tx.quoteIdent(c)).join(", ")})`,
            );
          }
          await comment(tx, def, rel, "TABLE");
          const rows = await count(tx, rel);
          return {
            rows,
            touched: rows,
            mode: def.materialized === "incremental" ? "incremental-full" : "table",
          };
        }
      }
      await tx.query(`CREATE TABLE ${tmp} AS ${compiled.full}`);
      // Everything that takes time happens on the new table, before the old one is locked.
      const ukNew = `${def.name}__uk__trueup_new`;
      await tx.query(`DROP INDEX IF EXISTS ${tx.quoteTable({ schema, name: ukNew })}`);
      if (def.uniqueKey?.length) {
        await tx.query(
          `CREATE UNIQUE INDEX ${tx.quoteIdent(ukNew)} ON ${tmp} (${def.uniqueKey.map((c) => tx.quoteIdent(c)).join(", ")})`,
        );
      }
      await comment(tx, def, tmp, "TABLE", tmpName);
      const rows = await count(tx, tmp);
      await dropRelation(tx, rel, kind);
      await tx.query(`ALTER TABLE ${tmp} RENAME TO ${tx.quoteIdent(def.name)}`);
      if (def.uniqueKey?.length) {
        await tx.query(
          `ALTER INDEX ${tx.quoteTable({ schema, name: ukNew })} RENAME TO ${tx.quoteIdent(`${def.name}__uk`)}`,
        );
      }
      return { rows, touched: rows, mode: def.materialized === "incremental" ? "incremental-full" : "table" };
    }

    // A scratch table beside the model (not TEMP: temp schemas are per-session and harder to introspect).
    const batchRef = { schema, name: `${def.name}__trueup_batch` };
    const batch = tx.quoteTable(batchRef);
    await tx.query(`DROP TABLE IF EXISTS ${batch}`);
    await tx.query(`CREATE UNLOGGED TABLE ${batch} AS ${compiled.incremental}`);
    const incoming = await tx.columns(batchRef);
    const existing = new Set((await tx.columns({ schema, name: def.name })).map((c) => c.name));
    for (const c of incoming) {
      if (!existing.has(c.name))
        await tx.query(`ALTER TABLE ${rel} ADD COLUMN ${tx.quoteIdent(c.name)} ${c.nativeType}`);
    }
    const cols = incoming.map((c) => tx.quoteIdent(c.name));
    const key = def.uniqueKey!.map((c) => tx.quoteIdent(c));
    const rest = cols.filter((c) => !key.includes(c));
    // Only rows whose values really changed are written: an unchanged row is not touched.
    const result = await tx.query<{ n: string }>(
      `WITH merged AS (
         INSERT INTO ${rel} AS t (${cols.join(", ")}) SELECT ${cols.join(", ")} FROM ${batch}
         ON CONFLICT (${key.join(", ")}) ${
           rest.length === 0
             ? "DO NOTHING"
             : `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}
         WHERE (${rest.map((c) => `t.${c}`).join(", ")}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(", ")})`
         }
         RETURNING 1)
       SELECT count(*) AS n FROM merged`,
    );
    await tx.query(`DROP TABLE ${batch}`);
    return { rows: await count(tx, rel), touched: Number(result[0]!.n), mode: "incremental-merge" };
  });
}

/**
 * Snowflake: DDL commits on its own there, so the swap is `CREATE OR REPLACE` (atomic: readers
 * see the old relation until the new one is complete; COPY GRANTS keeps what BI roles were
 * granted on it, which a plain replace drops), and an incremental build makes its
 * scratch table and new columns first, then writes once (one MERGE, the transaction's only
 * write). Snowflake has no unique indexes: the model's unique-key test is what checks the key.
 */
async function materializeSnowflake(
  tx: WarehouseSession,
  def: ModelDefinition,
  compiled: { full: string; incremental?: string },
  options: { fullRefresh?: boolean },
  schema: string,
): Promise<MaterializeResult> {
  const rel = tx.quoteTable({ schema, name: def.name });
  const found = await tx.query<{ table_type: string }>(
    `SELECT table_type FROM information_schema.tables WHERE table_schema = UPPER($1) AND table_name = UPPER($2)`,
    [tx.physicalName(schema), tx.physicalName(def.name)],
  );
  const kind: Kind = found[0] ? (found[0].table_type === "VIEW" ? "view" : "table") : undefined;
  const describe = def.description ? `COMMENT = ${quoteLiteral(def.description)}` : "";
  const commentColumns = async () => {
    const cols = new Set((await tx.columns({ schema, name: def.name })).map((c) => c.name));
    // A new table has no comments to clear: only described columns get one.
    for (const [column, doc] of Object.entries(def.columns ?? {}))
      if (cols.has(column) && doc.description)
        await tx.query(
          `COMMENT ON COLUMN ${rel}.${tx.quoteIdent(column)} IS ${quoteLiteral(doc.description)}`,
        );
  };

  if (def.materialized === "view") {
    if (kind === "table") await tx.query(`DROP TABLE ${rel}`);
    await tx.query(`CREATE OR REPLACE VIEW ${rel} COPY GRANTS ${describe} AS ${compiled.full}`);
    return { rows: await count(tx, rel), touched: 0, mode: "view" };
  }
  const merge =
    def.materialized === "incremental" && kind === "table" && !options.fullRefresh && compiled.incremental;
  if (!merge) {
    if (kind === "view") await tx.query(`DROP VIEW ${rel}`);
    await tx.query(`CREATE OR REPLACE TABLE ${rel} COPY GRANTS ${describe} AS ${compiled.full}`);
    await commentColumns();
    const rows = await count(tx, rel);
    return { rows, touched: rows, mode: def.materialized === "incremental" ? "incremental-full" : "table" };
  }

  // Temporary: it lives in this session only and is replaced by the next build of the model.
  const batchRef = { schema, name: `${def.name}__trueup_batch` };
  const batch = tx.quoteTable(batchRef);
  await tx.query(`CREATE OR REPLACE TEMPORARY TABLE ${batch} AS ${compiled.incremental}`);
  const incoming = await tx.columns(batchRef);
  const existing = new Set((await tx.columns({ schema, name: def.name })).map((c) => c.name));
  for (const c of incoming) {
    if (!existing.has(c.name))
      await tx.query(
        `ALTER TABLE ${rel} ADD COLUMN ${tx.quoteIdent(c.name)} ${c.type === "other" ? c.nativeType : SNOWFLAKE_TYPES[c.type]}`,
      );
  }
  const cols = incoming.map((c) => tx.quoteIdent(c.name));
  const key = def.uniqueKey!.map((c) => tx.quoteIdent(c));
  const rest = cols.filter((c) => !key.includes(c));
  // Only rows whose values really changed are written: an unchanged row is not touched.
  const result = await tx.query<Record<string, unknown>>(
    `MERGE INTO ${rel} t USING ${batch} s ON ${key.map((k) => `t.${k} = s.${k}`).join(" AND ")}
     ${
       rest.length
         ? `WHEN MATCHED AND (${rest.map((c) => `t.${c} IS DISTINCT FROM s.${c}`).join(" OR ")}) THEN UPDATE SET ${rest.map((c) => `t.${c} = s.${c}`).join(", ")}`
         : ""
     }
     WHEN NOT MATCHED THEN INSERT (${cols.join(", ")}) VALUES (${cols.map((c) => `s.${c}`).join(", ")})`,
  );
  // MERGE answers with one row: "number of rows inserted", "number of rows updated".
  const touched = Object.entries(result[0] ?? {})
    .filter(([k]) => /^number of rows (inserted|updated)$/.test(k))
    .reduce((n, [, v]) => n + Number(v), 0);
  return { rows: await count(tx, rel), touched, mode: "incremental-merge" };
}
