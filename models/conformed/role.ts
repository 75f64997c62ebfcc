import { ConfigError } from "../../core/errors.js";
import type { Config } from "../../config/schema.js";
import { CANONICAL_STAGING_COLUMNS } from "../canonical/staging-columns.js";
import { defineModel } from "../define.js";
import type { ColumnDoc, ModelContext, ModelDefinition } from "../interfaces.js";

/**
 * The conformed layer's building blocks: a role (crm, support, …) has relations of one documented
 * shape (`conformed.<relation>`), each the union of one mapping model per system the role's
 * `roles.<role>` config names (`conformed.<relation>__<system>`). Built-in systems' mappings are
 * defined next to their role; a user's system joins with a SQL model of that name. All are views:
 * the planner reads through them, so the layer costs no copy.
 */

export const CONFORMED_SCHEMA = "conformed";

export type Role = keyof Config["roles"];

export interface RelationSpec {
  role: Role;
  name: string;
  columns: Record<string, ColumnDoc>;
}

/**
 * A staging table as a mapping view's main FROM item, each row's payload fetched once for all
 * the fields the view reads of it (see `SqlDialect.payloadOnce`), with the typed columns the
 * built-in models read of the stream (models/canonical/staging-columns.ts). Lookups joined to it
 * read their table plainly: they touch few of its rows.
 */
export function stagingRows(ctx: ModelContext, source: string, stream: string): string {
  const shape = CANONICAL_STAGING_COLUMNS[`${source}.${stream}`] ?? {};
  return ctx.d.payloadOnce(ctx.source(source, stream), Object.keys(shape));
}

/** A mapping model: one system's records in the relation's shape, live ones only. */
export function mapping(
  relation: RelationSpec,
  system: string,
  sql: (ctx: ModelContext) => string,
): ModelDefinition {
  return defineModel({
    name: `${relation.name}__${system}`,
    schema: CONFORMED_SCHEMA,
    materialized: "view",
    tags: ["conformed", relation.role],
    description: `${system} records in the shape of ${CONFORMED_SCHEMA}.${relation.name}.`,
    columns: relation.columns,
    sql,
  });
}

/** The mapping model of `system`, or an error saying which file would add it. */
function mappingOf(ctx: ModelContext, relation: RelationSpec, system: string, columns: string): string {
  const name = `${relation.name}__${system}`;
  try {
    return ctx.ref(`${CONFORMED_SCHEMA}.${name}`);
  } catch (err) {
    throw new ConfigError(
      `roles.${relation.role} names ${system}, but no model builds ${CONFORMED_SCHEMA}.${name}: add ${CONFORMED_SCHEMA}/${name}.sql under a folder of models.paths, selecting ${columns} from your source (see docs/conformed.md)`,
      { cause: err },
    );
  }
}

/** A role relation: the union of the mapping models of the systems `roles.<role>` names. */
export function union(relation: RelationSpec, description: string): ModelDefinition {
  return defineModel({
    name: relation.name,
    schema: CONFORMED_SCHEMA,
    materialized: "view",
    tags: ["conformed", relation.role],
    description,
    columns: relation.columns,
    sql: (ctx) => {
      const list = Object.keys(relation.columns).join(", ");
      return ctx.config.roles[relation.role]
        .map((system) => `SELECT ${list} FROM ${mappingOf(ctx, relation, system, list)}`)
        .join("\n    UNION ALL\n    ");
    },
  });
}

export const ts = (ctx: ModelContext, expr: string) => ctx.d.cast(expr, "timestamptz");
export const date = (ctx: ModelContext, expr: string) => ctx.d.cast(expr, "date");
/** NULL for an empty text (HubSpot sends "" for a cleared property). */
export const blank = (expr: string) => `NULLIF(${expr}, '')`;
/** A date of an ISO date or datetime text, read as the calendar date written (no time zone shift). */
export const isoDate = (ctx: ModelContext, expr: string) => date(ctx, `substr(${expr}, 1, 10)`);
/** The system's name as a text column. */
export const systemColumn = (ctx: ModelContext, system: string) =>
  `${ctx.d.cast(ctx.d.literal(system), "text")} AS system`;

/**
 * The `system` a role system's records carry: its source name, except the legacy ERP, whose
 * source is `erp_files` and whose records have always been keyed `erp_file` (customer_xref,
 * discrepancy keys).
 */
export const recordSystem = (system: string) => (system === "erp_files" ? "erp_file" : system);
