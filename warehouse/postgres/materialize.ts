import { quoteLiteral } from "../identifiers.js";
import type { WarehouseSession } from "../interfaces.js";
import { countRows } from "../statements/count-rows.js";
import type { MaterializeTarget, ModelStatements } from "../statements/models.js";

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
  def: MaterializeTarget,
  rel: string,
  kind: "VIEW" | "TABLE",
  name = def.name,
) {
  // No description: no comment (NULL also clears one a previous build left).
  await tx.query(`COMMENT ON ${kind} ${rel} IS ${commentLiteral(def.description)}`);
  const cols = new Set((await tx.columns({ schema: def.schema, name })).map((c) => c.name));
  for (const [column, doc] of Object.entries(def.columns ?? {})) {
    if (cols.has(column)) {
      await tx.query(
        `COMMENT ON COLUMN ${rel}.${tx.quoteIdent(column)} IS ${commentLiteral(doc.description)}`,
      );
    }
  }
}

/**
 * Postgres: DDL is transactional, so a table is built under a temporary name and renamed over
 * the old one (or, same columns, its rows replaced in place so views on it keep working); an
 * incremental model merges its changed rows with INSERT … ON CONFLICT on its unique key.
 */
export const materialize: ModelStatements["materialize"] = async (tx, def, compiled, options) => {
  const schema = def.schema;
  // Models read staging through JSON paths (`_trueup_payload ->> 'status'`), which the planner
  // has no statistics for: it guesses 0.5 % of the rows, plans nested loops, and then evaluates
  // the join's JSON path once per pair, decompressing the payload each time. On 12,000 Stripe
  // charges against as many invoice payments that is 150 million reads (canonical.payment ran
  // for over 17 minutes; 10 s with hash joins). A build reads whole tables, where hash and merge
  // joins are right; a join that has no other plan still gets a nested loop.
  await tx.query("SET LOCAL enable_nestloop = off");
  // A disabled plan node costs 10^10 in the planner's arithmetic, so with nested loops off every
  // plan that keeps one looks enormous and crosses jit_above_cost (and the inlining and
  // optimisation thresholds): Postgres then spends seconds compiling a query that runs in
  // milliseconds (canonical.refund: 2.9 s with JIT, 28 ms without, at scale 1). Builds run once
  // per model; JIT never pays for itself here.
  await tx.query("SET LOCAL jit = off");
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
    return { rows: await countRows(tx, rel), touched: 0, mode: "view" };
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
        const rows = await countRows(tx, rel);
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
    const rows = await countRows(tx, tmp);
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
  return { rows: await countRows(tx, rel), touched: Number(result[0]!.n), mode: "incremental-merge" };
};
