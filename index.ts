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
export { TrueupError, ConfigError, UsageError } from "./core/errors.js";
