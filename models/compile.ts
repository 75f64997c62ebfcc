import type { Config } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { tableName } from "../load/naming.js";
import type { Dialect } from "../warehouse/interfaces.js";
import { sqlDialect } from "./dialects.js";
import type { ModelContext, ModelDefinition, ModelNode } from "./interfaces.js";

export interface CompileOptions {
  dialect: Dialect;
  config: Config;
  asOf: string;
  isIncremental?: boolean;
  /** Known model names (unqualified → qualified id), for ref() resolution. */
  models: Map<string, { schema: string; name: string }>;
}

export function relationOf(def: ModelDefinition): { schema: string; name: string } {
  return { schema: def.schema ?? "canonical", name: def.name };
}

export function modelId(def: ModelDefinition): string {
  const r = relationOf(def);
  return `${r.schema}.${r.name}`;
}

/** Compiles a model's SQL and records what it ref()s and source()s. */
export function compileModel(
  def: ModelDefinition,
  options: CompileOptions,
): { sql: string; refs: string[]; sources: { source: string; stream: string }[] } {
  const d = sqlDialect(options.dialect);
  const refs = new Set<string>();
  const sources = new Map<string, { source: string; stream: string }>();
  const self = relationOf(def);
  const ctx: ModelContext = {
    ref(name) {
      const target = options.models.get(name) ?? options.models.get(name.split(".").pop()!);
      if (!target) throw new ConfigError(`model ${def.name}: ref("${name}") names no model`);
      refs.add(`${target.schema}.${target.name}`);
      return `${d.quote(target.schema)}.${d.quote(target.name)}`;
    },
    source(source, stream) {
      sources.set(`${source}.${stream}`, { source, stream });
      return `${d.quote("staging")}.${d.quote(tableName(source, stream))}`;
    },
    this: `${d.quote(self.schema)}.${d.quote(self.name)}`,
    isIncremental: options.isIncremental === true,
    asOf: options.asOf,
    config: options.config,
    d,
    var<T>(name: string, fallback?: T): T {
      return (name in options.config.models.vars ? options.config.models.vars[name] : fallback) as T;
    },
  };
  const sql = def.sql(ctx);
  return { sql, refs: [...refs].sort(), sources: [...sources.values()] };
}

/** Resolves every model's dependencies by compiling it once. */
export function resolveModels(
  defs: readonly ModelDefinition[],
  options: Omit<CompileOptions, "models">,
): ModelNode[] {
  const models = new Map<string, { schema: string; name: string }>();
  for (const def of defs) {
    const r = relationOf(def);
    if (models.has(r.name)) throw new ConfigError(`two models are named ${r.name}`);
    models.set(r.name, r);
    models.set(`${r.schema}.${r.name}`, r);
  }
  return defs.map((definition) => {
    if (definition.materialized === "incremental" && !definition.uniqueKey?.length) {
      throw new ConfigError(`model ${definition.name} is incremental and needs a uniqueKey`);
    }
    const { refs, sources } = compileModel(definition, { ...options, models });
    return { definition, relation: relationOf(definition), refs, sources };
  });
}
