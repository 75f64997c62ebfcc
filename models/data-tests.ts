import type { ModelContext, ModelDefinition, Severity } from "./interfaces.js";

export interface CompiledTest {
  name: string;
  severity: Severity;
  /** SELECT returning failing rows. */
  sql: string;
}

/** Column tests (unique, not_null, accepted_values, relationships) and custom SQL tests, as SQL. */
export function compileTests(def: ModelDefinition, ctx: ModelContext): CompiledTest[] {
  const q = ctx.d.quote;
  const self = ctx.this;
  const out: CompiledTest[] = [];
  if (def.uniqueKey?.length) {
    const key = def.uniqueKey.map(q).join(", ");
    out.push({
      name: `unique_key(${def.uniqueKey.join(", ")})`,
      severity: "error",
      sql: `SELECT ${key}, count(*) AS n FROM ${self} GROUP BY ${key} HAVING count(*) > 1`,
    });
  }
  for (const [column, doc] of Object.entries(def.columns ?? {})) {
    for (const t of doc.tests ?? []) {
      const c = q(column);
      if (t === "unique" || (typeof t === "object" && "unique" in t)) {
        out.push({
          name: `unique(${column})`,
          severity: typeof t === "object" ? (t.severity ?? "error") : "error",
          sql: `SELECT ${c}, count(*) AS n FROM ${self} WHERE ${c} IS NOT NULL GROUP BY ${c} HAVING count(*) > 1`,
        });
      } else if (t === "not_null" || (typeof t === "object" && "not_null" in t)) {
        out.push({
          name: `not_null(${column})`,
          severity: typeof t === "object" ? (t.severity ?? "error") : "error",
          sql: `SELECT * FROM ${self} WHERE ${c} IS NULL`,
        });
      } else if ("accepted_values" in t) {
        const list = t.accepted_values
          .map((v) => (typeof v === "string" ? ctx.d.literal(v) : String(v)))
          .join(", ");
        out.push({
          name: `accepted_values(${column})`,
          severity: t.severity ?? "error",
          sql: `SELECT ${c}, count(*) AS n FROM ${self} WHERE ${c} IS NOT NULL AND ${c} NOT IN (${list}) GROUP BY ${c}`,
        });
      } else if ("relationships" in t) {
        const other = ctx.ref(t.relationships.to);
        const f = q(t.relationships.field);
        out.push({
          name: `relationships(${column} -> ${t.relationships.to}.${t.relationships.field})`,
          severity: t.severity ?? "error",
          sql: `SELECT s.${c} FROM ${self} s WHERE s.${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${other} o WHERE o.${f} = s.${c})`,
        });
      }
    }
  }
  for (const t of def.tests ?? [])
    out.push({ name: t.name, severity: t.severity ?? "error", sql: t.sql(ctx) });
  return out;
}
