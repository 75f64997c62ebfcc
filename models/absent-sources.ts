import type { Config } from "../config/schema.js";
import { CANONICAL_STAGING_COLUMNS } from "./canonical/staging-columns.js";
import type { SqlDialect } from "./interfaces.js";

/** Column name → logical type, for the columns of a staging relation a model reads by name. */
export type StagingShape = Record<
  string,
  "text" | "numeric" | "bigint" | "date" | "timestamptz" | "boolean" | "double"
>;

/** The systems the built-in models read: each reads as empty when its source is off or not configured. */
export const BUILT_IN_SYSTEMS = ["salesforce", "hubspot", "stripe", "netsuite", "zendesk", "erp_files"];

/**
 * Why a source system's data is not read, when it is not: switched off (`enabled: false`), or, for
 * a system the built-in models read, left out of a config that names other sources. Its staging
 * tables then read as empty even if they exist from earlier runs, so no model mixes in data of a
 * system the user turned off, and the rules that compare it do not run. A config naming no source
 * at all reads whatever staging holds (data loaded by other means). Reference data
 * (`reference.*`) is never absent by config.
 */
export function sourceAbsence(config: Config, source: string): string | undefined {
  const sources = config.sources as Record<string, { enabled?: boolean } | undefined>;
  const cfg = sources[source];
  if (cfg) return cfg.enabled === false ? "disabled" : undefined;
  if (!BUILT_IN_SYSTEMS.includes(source)) return undefined;
  return Object.values(sources).some(Boolean) ? "not configured" : undefined;
}

/**
 * An empty relation shaped like the staging table of `source.stream`: its bookkeeping columns
 * (payload, tombstone) and the typed columns the models read by name. Every model reading an
 * absent system gets this one relation, so models need no branch per source and read the system
 * as having no records. A stream with no declared shape (a user's model reading it) gets the
 * bookkeeping columns only, and a column it names fails with the name of the absent table.
 */
export function emptyStaging(d: SqlDialect, source: string, stream: string): string {
  const shape = CANONICAL_STAGING_COLUMNS[`${source}.${stream}`] ?? {};
  // Unquoted like the models' own column references, so both fold case the same way.
  const columns = [
    ...Object.entries(shape).map(([name, type]) => `${d.cast("NULL", type)} AS ${name}`),
    `${d.jsonObject([])} AS _trueup_payload`,
    `${d.cast("NULL", "boolean")} AS _trueup_deleted`,
    `${d.cast("NULL", "text")} AS _trueup_run_id`,
    `${d.cast("NULL", "timestamptz")} AS _trueup_loaded_at`,
  ];
  return `(SELECT ${columns.join(", ")} WHERE 1 = 0)`;
}
