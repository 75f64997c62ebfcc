import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { config as loadDotenv } from "dotenv";
import { tsImport } from "tsx/esm/api";
import type { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { redactText } from "../core/log.js";
import { registerEnvSecrets } from "./credentials.js";
import { configSchema, type Config } from "./schema.js";
import { validateGovernance } from "./validate.js";

export interface LoadConfigOptions {
  /**
   * Explicit `--config` path; must exist. Default: the first of trueup.config.ts, .mts, .js, .mjs
   * in `cwd`, else built-in defaults.
   */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve the config's relative paths against this folder instead of the config file's. */
  baseDir?: string;
  /** Load `.env` from cwd into process.env (existing variables win). Default true. */
  dotenv?: boolean;
}

export interface LoadedConfig {
  /** Its relative paths are absolute already, resolved against the file's folder (or `cwd` without one). */
  config: Config;
  /** The file it came from, or undefined for built-in defaults. */
  file?: string;
}

const SECRETISH = /(secret|token|password|api[_-]?key|private[_-]?key)/i;

function describeInput(input: unknown, keyPath: string): string {
  if (SECRETISH.test(keyPath)) return "a value (hidden)";
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  let text = typeof input === "string" ? JSON.stringify(input) : (JSON.stringify(input) ?? String(input));
  if (text.length > 80) text = text.slice(0, 77) + "...";
  text = redactText(text).replace(/(\w+:\/\/[^:/@]*:)[^@]*@/g, "$1****@");
  const kind = Array.isArray(input) ? "array" : typeof input;
  return `${text} (${kind})`;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    return issue.keys
      .map((k) => {
        const full = issue.path.length ? `${where}.${k}` : k;
        return SECRETISH.test(k)
          ? `${full} is a secret, and trueup reads secrets only from the environment: remove it from the config file and set it there (see docs/configuration.md)`
          : `${full}: unknown key (check its spelling; see docs/configuration.md for the keys this section takes)`;
      })
      .join("\n  ");
  }
  const got = "input" in issue ? describeInput(issue.input, where) : undefined;
  const expected = issue.code === "invalid_type" ? `expected ${issue.expected}` : issue.message;
  return `${where}: ${got ? `got ${got}, ` : ""}${expected}`;
}

/** Validates a config object; throws ConfigError naming every bad key, what it got and what it expected. */
export function parseConfig(input: unknown, source = "config"): Config {
  const result = configSchema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) {
    const lines = result.error.issues.map(formatIssue);
    throw new ConfigError(`invalid configuration in ${source}:\n  ${lines.join("\n  ")}`);
  }
  validateGovernance(result.data, source);
  return result.data;
}

/** Tried in this order in the current folder when no `--config` is given. */
export const CONFIG_FILE_NAMES = [
  "trueup.config.ts",
  "trueup.config.mts",
  "trueup.config.js",
  "trueup.config.mjs",
];

/** The config file in `dir` that trueup picks up by default, if any. */
export function findConfigFile(dir: string): string | undefined {
  return CONFIG_FILE_NAMES.map((n) => path.join(dir, n)).find((f) => existsSync(f));
}

const WRITE_THIS =
  "write `export default defineConfig({ ... })` or `export const config = defineConfig({ ... })` " +
  '(with `import { defineConfig } from "trueup"`)';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The config a loaded module exports, whatever the module system: `export const config`,
 * `export default`, `module.exports = …` or `exports.config = …`. A TypeScript file in a CommonJS
 * folder is compiled to CommonJS, so its exports arrive one level down, under `default`; no config
 * has a top-level `default` or `config` key, so that wrapper is recognisable.
 */
export function configExport(mod: Record<string, unknown>): unknown {
  if (mod.config !== undefined) return mod.config;
  let value = mod.default;
  while (isRecord(value) && ("default" in value || "config" in value)) value = value.config ?? value.default;
  // An empty object is what a CommonJS file that exports nothing gives.
  if (isRecord(value) && Object.keys(value).length === 0) return undefined;
  return value;
}

/**
 * Relative paths in a config resolve against the config file's folder (not the cwd, not the
 * package's folder), so a project runs the same from any folder; they come back absolute.
 */
export function resolveConfigPaths(config: Config, baseDir: string): Config {
  const abs = (p: string) => path.resolve(baseDir, p);
  const erp = config.sources.erp_files;
  return {
    ...config,
    warehouse: {
      ...config.warehouse,
      embedded: { ...config.warehouse.embedded, dir: abs(config.warehouse.embedded.dir) },
    },
    sources: erp?.dir ? { ...config.sources, erp_files: { ...erp, dir: abs(erp.dir) } } : config.sources,
    fx: config.fx.ratesFile ? { ...config.fx, ratesFile: abs(config.fx.ratesFile) } : config.fx,
    models: { ...config.models, paths: config.models.paths.map(abs) },
  };
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  if (options.dotenv !== false) {
    const envFile = path.join(cwd, ".env");
    if (existsSync(envFile))
      loadDotenv({ path: envFile, quiet: true, processEnv: env as Record<string, string> });
  }
  registerEnvSecrets(env);
  let file: string | undefined;
  if (options.configPath) {
    file = path.resolve(cwd, options.configPath);
    if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist (given with --config)`);
  } else {
    file = findConfigFile(cwd);
  }
  if (!file) return { config: resolveConfigPaths(parseConfig({}, "built-in defaults"), cwd) };
  let mod: Record<string, unknown>;
  try {
    // tsImport loads TypeScript and JavaScript alike, in an ESM or a CommonJS folder.
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`cannot load ${file}: ${redactText((err as Error).message)}`, { cause: err });
  }
  const input = configExport(mod);
  if (input === undefined) throw new ConfigError(`${file} exports no config: ${WRITE_THIS}`);
  const rel = path.relative(cwd, file);
  const config = parseConfig(input, rel && !rel.startsWith("..") ? rel : file);
  return { config: resolveConfigPaths(config, options.baseDir ?? path.dirname(file)), file };
}
