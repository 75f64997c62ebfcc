import { quoteLiteral } from "../identifiers.js";
import { countRows } from "../statements/count-rows.js";
import type { ModelStatements } from "../statements/models.js";
import { SNOWFLAKE_TYPES } from "./types.js";

type Kind = "view" | "table" | undefined;

/**
 * Snowflake: DDL commits on its own there, so the swap is `CREATE OR REPLACE` (atomic: readers
 * see the old relation until the new one is complete; COPY GRANTS keeps what BI roles were
 * granted on it, which a plain replace drops), and an incremental build makes its
 * scratch table and new columns first, then writes once (one MERGE, the transaction's only
 * write). Snowflake has no unique indexes: the model's unique-key test is what checks the key.
 */
export const materialize: ModelStatements["materialize"] = async (tx, def, compiled, options) => {
  const schema = def.schema;
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
    return { rows: await countRows(tx, rel), touched: 0, mode: "view" };
  }
  const merge =
    def.materialized === "incremental" && kind === "table" && !options.fullRefresh && compiled.incremental;
  if (!merge) {
    if (kind === "view") await tx.query(`DROP VIEW ${rel}`);
    await tx.query(`CREATE OR REPLACE TABLE ${rel} COPY GRANTS ${describe} AS ${compiled.full}`);
    await commentColumns();
    const rows = await countRows(tx, rel);
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
  return { rows: await countRows(tx, rel), touched, mode: "incremental-merge" };
};
