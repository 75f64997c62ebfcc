import type { ColumnSpec, Dialect, TableRef } from "../interfaces.js";
import { postgresOrchestrationStatements } from "../postgres/orchestration-statements.js";
import { snowflakeOrchestrationStatements } from "../snowflake/orchestration-statements.js";

/**
 * The statements `trueup compile` shows for a node, where their text differs between
 * warehouses: each warehouse implements them in `<dialect>/orchestration-statements.ts`.
 */
export interface OrchestrationStatements {
  /** One stream's load batch, statement by statement, in the order the loader sends them. */
  loadBatchScript(load: StreamLoadScript): string[];
  /** A table model's build from its SELECT (a view's reads the same everywhere). */
  createModelTable(relation: TableRef, select: string): string;
  /** A rule family's detail table from its SELECT. */
  createRuleDetail(detail: TableRef, select: string): string;
  /** Constructs of another warehouse's SQL in `sql`, which this one would refuse; none: empty. */
  foreignConstructs(sql: string): string[];
}

/** A stream's load as `trueup compile` shows it: the columns known from config alone. */
export interface StreamLoadScript {
  raw: TableRef;
  staging: TableRef;
  source: string;
  rawColumns: readonly ColumnSpec[];
  /** Staging's columns: the key and declared ones, then the bookkeeping. */
  columns: readonly ColumnSpec[];
  primaryKey: readonly string[];
  versionColumn?: string;
}

/** The compile statements of a warehouse: the one place that asks which. */
export function orchestrationStatements(dialect: Dialect): OrchestrationStatements {
  return dialect === "snowflake" ? snowflakeOrchestrationStatements : postgresOrchestrationStatements;
}
