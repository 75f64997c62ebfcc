import type { Config } from "../config/schema.js";
import { SOURCES } from "../extract/registry.js";
import { fileStreamDescriptor } from "../extract/files/source.js";
import { restDescriptors } from "../extract/rest/source.js";
import type { StreamDescriptor } from "../load/interfaces.js";
import { RAW_COLUMNS, STAGING_META, rawTable, stagingTable } from "../load/tables.js";
import { compileModel, modelIndex, relationOf, resolveModels } from "../models/compile.js";
import { canonicalModels } from "../models/canonical/index.js";
import type { ModelDefinition } from "../models/interfaces.js";
import { compileFamily, ruleContextFor } from "../reconcile/engine.js";
import { ruleFamilies } from "../reconcile/user-rules.js";
import { planSql } from "../reverse/plan.js";
import { quoteIdentifier } from "../warehouse/identifiers.js";
import type { ColumnSpec, Dialect } from "../warehouse/interfaces.js";
import { orchestrationStatements } from "../warehouse/statements/orchestration.js";

export interface CompiledNode {
  /** DAG node id (`load.stripe.invoices`, `model.canonical.invoice`, `recon.invoices`, `sync.NAME`). */
  node: string;
  kind: "load" | "model" | "rule" | "sync";
  sql: string;
}

/** Where each API source keeps a record's version (the merge's "latest wins" column). */
const VERSION_COLUMN: Partial<Record<string, string>> = {
  salesforce: "system_modstamp",
  zendesk: "updated_at",
  netsuite: "trueup_lastmodified",
};

/** Streams as the sources declare them from config alone (no credentials, no I/O). */
export function declaredDescriptors(config: Config): StreamDescriptor[] {
  const out: StreamDescriptor[] = [];
  for (const [name, source] of Object.entries(SOURCES)) {
    for (const stream of source!.declaredStreams(config)) {
      if (name === "erp_files") {
        const pattern = config.sources.erp_files!.files.find((f) => f.stream === stream)!;
        out.push(fileStreamDescriptor(pattern));
      } else if (name === "reference") {
        out.push({
          source: "reference",
          stream,
          primaryKey: ["date", "currency"],
          columnTypes: { date: "date", currency: "text", usd_per_unit: "numeric" },
        });
      } else {
        out.push({ source: name, stream, primaryKey: ["id"], versionColumn: VERSION_COLUMN[name] });
      }
    }
  }
  out.push(...restDescriptors(config));
  return out;
}

/**
 * The statements of one stream's load batch. Columns beyond the key and the declared ones are
 * discovered from the data at run time (schema inference); they join the same statements.
 */
function loadSql(d: StreamDescriptor, dialect: Dialect): string {
  const raw = rawTable(d.source, d.stream);
  const staging = stagingTable(d.source, d.stream);
  const declared: ColumnSpec[] = Object.entries(d.columnTypes ?? {}).map(([name, type]) => ({
    name,
    type,
    nullable: !d.primaryKey.includes(name),
  }));
  for (const k of d.primaryKey)
    if (!declared.some((c) => c.name === k)) declared.unshift({ name: k, type: "text", nullable: false });
  if (d.versionColumn && !declared.some((c) => c.name === d.versionColumn))
    declared.push({ name: d.versionColumn, type: "timestamptz" });
  const stagingCols = [...declared, ...STAGING_META];
  const header = `-- ${d.source}.${d.stream}: raw append, staging merge (one row per ${d.primaryKey.join(", ")}${d.versionColumn ? `, latest ${d.versionColumn} wins` : ""}), cursor — one transaction per batch`;
  const statements = orchestrationStatements(dialect).loadBatchScript({
    raw,
    staging,
    source: d.source,
    rawColumns: RAW_COLUMNS,
    columns: stagingCols,
    primaryKey: d.primaryKey,
    versionColumn: d.versionColumn,
  });
  return [header, ...statements].map((s) => `${s};`).join("\n\n");
}

/** A model's materialization around its SELECT. */
function modelSql(def: ModelDefinition, select: string, dialect: Dialect): string {
  const r = relationOf(def);
  const rel = `${quoteIdentifier(r.schema)}.${quoteIdentifier(r.name)}`;
  const header = `-- ${r.schema}.${r.name} (${def.materialized})${def.description ? `: ${def.description}` : ""}`;
  if (def.materialized === "view") return `${header}\nCREATE OR REPLACE VIEW ${rel} AS\n${select.trim()};`;
  return `${header}\n${orchestrationStatements(dialect).createModelTable(r, select.trim())};`;
}

/**
 * The SQL of every node of the DAG for `dialect`, without a warehouse: loads per stream,
 * models, rule families (the detail SELECT; the lifecycle statements are the warehouse's own)
 * and sync change detection.
 */
export function compileNodes(
  config: Config,
  dialect: Dialect,
  asOf: string,
  models: readonly ModelDefinition[] = config.models.builtin ? canonicalModels : [],
): CompiledNode[] {
  const out: CompiledNode[] = [];
  for (const d of declaredDescriptors(config))
    out.push({ node: `load.${d.source}.${d.stream}`, kind: "load", sql: loadSql(d, dialect) });
  const nodes = resolveModels(models, { dialect, config, asOf });
  const known = modelIndex(nodes.map((n) => n.relation));
  for (const n of nodes) {
    const { sql } = compileModel(n.definition, { dialect, config, asOf, models: known });
    out.push({
      node: `model.${n.relation.schema}.${n.relation.name}`,
      kind: "model",
      sql: modelSql(n.definition, sql, dialect),
    });
  }
  const ctx = ruleContextFor(dialect, config, asOf);
  for (const f of ruleFamilies()) {
    const detail = { schema: "recon", name: `${f.name}_detail` };
    out.push({
      node: `recon.${f.name}`,
      kind: "rule",
      sql: `-- recon.${f.name}: ${f.description}\n${orchestrationStatements(dialect).createRuleDetail(detail, compileFamily(f, ctx).trim())};`,
    });
  }
  for (const s of config.syncs)
    out.push({
      node: `sync.${s.name}`,
      kind: "sync",
      sql: `-- sync.${s.name}: change detection\n${planSql(s, dialect).trim()};`,
    });
  return out;
}
