import type { Config } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { tableName } from "../load/naming.js";
import type { Dialect } from "../warehouse/interfaces.js";
import { sourceAbsence, emptyStaging } from "./absent-sources.js";
import { sqlDialect } from "./dialects.js";
import type { ModelContext, ModelDefinition, ModelNode } from "./interfaces.js";
import { ColumnReads } from "./reads.js";

export interface CompileOptions {
  dialect: Dialect;
  config: Config;
  asOf: string;
  isIncremental?: boolean;
  /** Known model names (unqualified → qualified id), for ref() resolution. */
  models: Map<string, { schema: string; name: string }>;
  /**
   * Staging tables (`source.stream`) known not to exist yet, with why: read as empty, like the
   * streams of a disabled source.
   */
  absent?: ReadonlyMap<string, string>;
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
): {
  sql: string;
  refs: string[];
  refColumns: Record<string, readonly string[]>;
  sources: { source: string; stream: string }[];
} {
  const d = sqlDialect(options.dialect);
  const refs = new Set<string>();
  const reads = new ColumnReads();
  const sources = new Map<string, { source: string; stream: string }>();
  const self = relationOf(def);
  const ctx: ModelContext = {
    ref(name, refOptions) {
      const target = options.models.get(name);
      if (target === AMBIGUOUS) {
        throw new ConfigError(
          `model ${modelId(def)}: ref("${name}") could be several models; qualify it as ref("schema.${name}")`,
        );
      }
      if (!target) {
        throw new ConfigError(
          `model ${modelId(def)}: ref("${name}") names no model; write ref("schema.name") of a model in the project (see \`trueup build --list\`)`,
        );
      }
      refs.add(`${target.schema}.${target.name}`);
      reads.add(`${target.schema}.${target.name}`, refOptions?.columns);
      return `${d.quote(target.schema)}.${d.quote(target.name)}`;
    },
    source(source, stream) {
      sources.set(`${source}.${stream}`, { source, stream });
      if (sourceAbsence(options.config, source) || options.absent?.has(`${source}.${stream}`))
        return emptyStaging(d, source, stream);
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
  return { sql, refs: [...refs].sort(), refColumns: reads.narrowed(), sources: [...sources.values()] };
}

/** Marks an unqualified name that more than one model has: ref() must then name the schema. */
const AMBIGUOUS = { schema: "", name: "" };

/**
 * The ref() lookup: every model by `schema.name`, and by bare name: the canonical model of that
 * name (the built-in models ref each other by bare name, and a project's own `analytics.invoice`
 * must not change what they read), else the one model that has it. Throws when two models build
 * one relation.
 */
export function modelIndex(
  relations: Iterable<{ schema: string; name: string }>,
): Map<string, { schema: string; name: string }> {
  const index = new Map<string, { schema: string; name: string }>();
  for (const r of relations) {
    const id = `${r.schema}.${r.name}`;
    if (index.has(id)) throw new ConfigError(`two models build ${id}; rename or remove one of them`);
    index.set(id, r);
    const bare = index.get(r.name);
    if (r.schema === "canonical") index.set(r.name, r);
    else if (!bare) index.set(r.name, r);
    else if (bare.schema !== "canonical") index.set(r.name, AMBIGUOUS);
  }
  return index;
}

/** Resolves every model's dependencies by compiling it once. */
export function resolveModels(
  defs: readonly ModelDefinition[],
  options: Omit<CompileOptions, "models">,
): ModelNode[] {
  const models = modelIndex(defs.map(relationOf));
  return defs.map((definition) => {
    if (definition.materialized === "incremental" && !definition.uniqueKey?.length) {
      throw new ConfigError(
        `${definition.file ? `${definition.file}: ` : ""}model ${definition.name} is incremental and needs a uniqueKey`,
      );
    }
    try {
      const { refs, refColumns, sources } = compileModel(definition, { ...options, models });
      return { definition, relation: relationOf(definition), refs, refColumns, sources };
    } catch (err) {
      // A TypeScript model's mistakes name its file, as a SQL file's already do (with the line).
      const file = definition.file;
      if (!file || !(err instanceof ConfigError) || err.message.startsWith(file)) throw err;
      throw new ConfigError(`${file}: ${err.message}`, { cause: err });
    }
  });
}
