import { promises as fs } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { DISCREPANCY_CATEGORIES, type Config } from "../config/schema.js";
import { ConfigError, errorMessage } from "../core/errors.js";
import type { RuleDefinition } from "./define.js";
import { DISCREPANCY_COLUMNS, type RuleFamily } from "./interfaces.js";
import { RULE_FAMILIES } from "./rules/index.js";

/**
 * The project's own rules (`defineRule`), each its own family: one DAG node `recon.<name>`, one
 * detail table, one category, run by the same engine as the built-in families.
 */
let projectFamilies: RuleFamily[] = [];

/** Built-in rule families, then the project's (as last loaded by loadRuleDefinitions). */
export function ruleFamilies(): RuleFamily[] {
  return [...RULE_FAMILIES, ...projectFamilies];
}

const NAME = /^[a-z][a-z0-9_]*$/;
/** What every rule's SELECT returns; `entity` and `amount_reporting` only when listed in `columns`. */
const REQUIRED_COLUMNS = new Set([
  "key",
  "customer_id",
  "left_system",
  "left_value",
  "right_system",
  "right_value",
  "delta",
  "currency",
]);
const NUMERIC_COLUMNS = new Set(["delta", "amount_reporting"]);

/** The model a rule reads, as `schema.name` (a bare name means the canonical model). */
export function readsId(model: string): string {
  return model.includes(".") ? model : `canonical.${model}`;
}

/**
 * A rule as a family. Its SELECT is wrapped so the family returns the engine's columns whatever
 * order the rule returns its own in: optional columns it does not list are NULL, and `detail`
 * holds both sides' values.
 */
export function userRuleFamily(def: RuleDefinition, file: string): RuleFamily {
  const where = `${file}: rule ${def.name ?? "(no name)"}`;
  if (typeof def.name !== "string" || !NAME.test(def.name))
    throw new ConfigError(
      `${file}: a rule's name must be lower_snake_case (it names recon.<name>); got ${JSON.stringify(def.name)}`,
    );
  if (typeof def.category !== "string" || !NAME.test(def.category))
    throw new ConfigError(`${where}: category must be lower_snake_case; got ${JSON.stringify(def.category)}`);
  if (typeof def.sql !== "function")
    throw new ConfigError(`${where}: sql must be a function (ctx) => "SELECT …"`);
  if (typeof def.description !== "string" || !def.description.trim())
    throw new ConfigError(
      `${where}: give it a description (it is the detail table's comment and the report's text)`,
    );
  const optional = new Set<string>(def.columns ?? []);
  for (const c of optional)
    if (c !== "entity" && c !== "amount_reporting")
      throw new ConfigError(
        `${where}: columns lists ${c}; the optional columns are entity and amount_reporting`,
      );
  return {
    name: def.name,
    description: def.description,
    reads: (def.reads ?? []).map(readsId),
    file,
    rules: [
      {
        category: def.category,
        description: def.description,
        ownerTeam: def.ownerTeam,
        sql: (ctx) => {
          const cols = DISCREPANCY_COLUMNS.map((c: string) => {
            if (c === "detail")
              return `${ctx.d.jsonObject([
                ["left_value", "CAST(u.left_value AS text)"],
                ["right_value", "CAST(u.right_value AS text)"],
              ])} AS detail`;
            // A column the rule does not return (an optional one it does not list, or one the
            // engine gained since) is NULL, so a rule keeps working as the engine grows.
            const returned = REQUIRED_COLUMNS.has(c) || optional.has(c);
            const type = NUMERIC_COLUMNS.has(c) ? "numeric" : "text";
            return `${ctx.d.cast(returned ? `u.${c}` : "NULL", type)} AS ${c}`;
          });
          return `SELECT ${cols.join(", ")} FROM (${def.sql(ctx)}) u`;
        },
      },
    ],
  };
}

/**
 * Loads every module under `config.rules.paths` exporting `rule` (one defineRule) or `rules`
 * (an array), makes each a family, and checks them against the built-in ones and the config's
 * category names. `cwd` is the folder relative paths (and error messages) are taken from.
 */
export async function loadRuleDefinitions(config: Config, cwd = process.cwd()): Promise<RuleFamily[]> {
  const families: RuleFamily[] = [];
  for (const p of config.rules.paths) {
    const dir = path.resolve(cwd, p);
    const files = await fs.readdir(dir).catch(() => {
      throw new ConfigError(`rules.paths: cannot read ${dir}; create the folder or fix the path`);
    });
    for (const f of files.filter((n) => /\.(ts|mts|js|mjs)$/.test(n) && !/\.d\.m?ts$/.test(n)).sort()) {
      const file = path.join(dir, f);
      const where = path.relative(cwd, file) || file;
      let mod: { rule?: RuleDefinition; rules?: RuleDefinition[] };
      try {
        mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as typeof mod;
      } catch (err) {
        throw new ConfigError(`cannot load ${where}: ${errorMessage(err)}`, { cause: err });
      }
      const defs = [mod.rule, ...(mod.rules ?? [])].filter((d): d is RuleDefinition => d !== undefined);
      if (!defs.length)
        throw new ConfigError(`${where} exports no rule: write \`export const rule = defineRule({...})\``);
      families.push(...defs.map((d) => userRuleFamily(d, where)));
    }
  }
  const names = new Map(RULE_FAMILIES.map((f) => [f.name, "the built-in rules"]));
  const categories = new Map<string, string>(DISCREPANCY_CATEGORIES.map((c) => [c, "a built-in rule"]));
  for (const f of families) {
    const taken = names.get(f.name);
    if (taken) throw new ConfigError(`${f.file}: rule name ${f.name} is already used by ${taken}; rename it`);
    names.set(f.name, f.file!);
    const category = f.rules[0]!.category;
    const owner = categories.get(category);
    // One category, one rule: the lifecycle resolves a category's keys the rule no longer finds.
    if (owner)
      throw new ConfigError(
        `${f.file}: category ${category} is already found by ${owner}; give the rule its own category`,
      );
    categories.set(category, f.file!);
  }
  const known = (c: string) => categories.has(c);
  for (const c of Object.keys(config.reconciliation.ownerTeams).filter((c) => !known(c)))
    throw new ConfigError(`reconciliation.ownerTeams.${c}: no rule finds category ${c} (check its spelling)`);
  for (const c of config.reconciliation.disabled.filter((c) => !known(c)))
    throw new ConfigError(`reconciliation.disabled: no rule finds category ${c} (check its spelling)`);
  projectFamilies = families;
  return families;
}
