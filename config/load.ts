import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { config as loadDotenv } from "dotenv";
import { tsImport } from "tsx/esm/api";
import type { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { redactText } from "../core/log.js";
import { registerEnvSecrets } from "./credentials.js";
import { configSchema, type Config, type ConfigInput } from "./schema.js";
import { validateGovernance } from "./validate.js";

export interface LoadConfigOptions {
  /** Explicit `--config` path; must exist. Default `./trueup.config.ts` if present, else built-in defaults. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Load `.env` from cwd into process.env (existing variables win). Default true. */
  dotenv?: boolean;
}

export interface LoadedConfig {
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
          ? `${full}: secrets are not read from the config file; set them in the environment (see docs/configuration.md)`
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
    const candidate = path.join(cwd, "trueup.config.ts");
    if (existsSync(candidate)) file = candidate;
  }
  if (!file) return { config: parseConfig({}, "built-in defaults") };
  let mod: { config?: ConfigInput; default?: ConfigInput };
  try {
    // tsImport loads the file as ESM TypeScript whatever the surrounding package.json says.
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as typeof mod;
  } catch (err) {
    throw new ConfigError(`cannot load ${file}: ${redactText((err as Error).message)}`, { cause: err });
  }
  const input = mod.config ?? mod.default;
  if (input === undefined) {
    throw new ConfigError(`${file} exports no config: write \`export const config = defineConfig({...})\``);
  }
  const rel = path.relative(cwd, file);
  return { config: parseConfig(input, rel && !rel.startsWith("..") ? rel : file), file };
}
