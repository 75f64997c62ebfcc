// The `trueup` package: what a config file, a model, a rule or a program of the user's own
// imports. The CLI is a thin shell over the same functions.
export { defineConfig } from "./config/define.js";
export type { Config, ConfigInput } from "./config/schema.js";
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from "./config/load.js";
export { defineModel } from "./models/define.js";
export type {
  ColumnDoc,
  ColumnTest,
  Materialization,
  ModelContext,
  ModelDefinition,
  ModelTest,
  Severity,
  SqlDialect,
} from "./models/interfaces.js";
export { defineRule, type RuleDefinition } from "./reconcile/define.js";
export type { RuleContext } from "./reconcile/interfaces.js";
export {
  defineSource,
  type SourceDefinition,
  type ResourceDefinition,
  type PaginatorDefinition,
  type PageRequest,
  type MapRecord,
  type SelectRecords,
} from "./extract/rest/index.js";
export type { RestSourceInput } from "./config/rest-source.js";
export { TrueupError, ConfigError, UsageError } from "./core/errors.js";

// Programmatic runs: each is what the command of the same name does, with typed options and results.
export type { TrueupOptions } from "./api/session.js";
export { run, type RunOptions, type RunResult } from "./api/run.js";
export { extract, type ExtractOptions, type ExtractResult } from "./api/extract.js";
export { build, type BuildOptions, type BuildResult } from "./api/build.js";
export { reconcile, type ReconcileOptions, type ReconcileResult } from "./api/reconcile.js";
export { sync, type SyncOptions, type SyncResult } from "./api/sync.js";
export type { NodeOutcome } from "./orchestration/runner.js";
export type { StreamOutcome } from "./extract/run-extract.js";
export type { ModelOutcome } from "./models/build.js";
export type { FamilyResult } from "./reconcile/engine.js";
export type { SyncRunResult } from "./reverse/sync.js";
export { demo, type DemoOptions, type DemoResult } from "./sandbox/demo.js";
