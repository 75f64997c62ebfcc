import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { ModelDefinition } from "../models/interfaces.js";
import { loadModelDefinitions } from "../models/project.js";
import type { RuleFamily } from "../reconcile/interfaces.js";
import { loadRuleDefinitions } from "../reconcile/user-rules.js";

/** The folder a project's relative paths are taken from: the config file's, else the working directory. */
export function projectRoot(loaded: LoadedConfig, cwd = process.cwd()): string {
  return loaded.file ? path.dirname(loaded.file) : cwd;
}

/**
 * A project's models (built-in, TypeScript and SQL files) and its own reconciliation rules,
 * which from then on are part of every DAG and `reconcile()` in this process.
 */
export async function loadProject(
  config: Config,
  root: string,
): Promise<{ models: ModelDefinition[]; rules: RuleFamily[] }> {
  const models = await loadModelDefinitions(config, root);
  const rules = await loadRuleDefinitions(config, root);
  return { models, rules };
}
