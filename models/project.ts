import { promises as fs } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import type { Config } from "../config/schema.js";
import { ConfigError, errorMessage } from "../core/errors.js";
import { Dag, type DagNode } from "../core/dag.js";
import type { Dialect } from "../warehouse/interfaces.js";
import { canonicalModels } from "./canonical/index.js";
import { modelId, resolveModels } from "./compile.js";
import type { ModelDefinition, ModelNode } from "./interfaces.js";
import { parseSqlModel, sqlModelRelation } from "./sql-file.js";

export interface ModelDagNode extends DagNode {
  model: ModelNode;
}

/**
 * Built-in canonical models plus, under each of `config.models.paths`, every TypeScript module
 * exporting `model` or `models` and every SQL model file (`<name>.sql`, `<schema>/<name>.sql`).
 * `cwd` is the project folder relative paths (and error messages) are taken from.
 */
export async function loadModelDefinitions(config: Config, cwd = process.cwd()): Promise<ModelDefinition[]> {
  const defs = config.models.builtin ? [...canonicalModels] : [];
  for (const p of config.models.paths) {
    const dir = path.resolve(cwd, p);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => {
      throw new ConfigError(`models.paths: cannot read ${dir}; create the folder or fix the path`);
    });
    const where = (file: string) => path.relative(cwd, file) || file;
    for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) {
        for (const f of (await fs.readdir(file)).filter((n) => n.endsWith(".sql")).sort())
          defs.push(await loadSqlModel(path.join(file, f), `${e.name}/${f}`, where(path.join(file, f))));
      } else if (e.name.endsWith(".sql")) {
        defs.push(await loadSqlModel(file, e.name, where(file)));
      } else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !/\.d\.m?ts$/.test(e.name)) {
        const mod = (await tsImport(pathToFileURL(file).href, import.meta.url).catch((err: unknown) => {
          throw new ConfigError(`cannot load ${where(file)}: ${errorMessage(err)}`, { cause: err });
        })) as { model?: ModelDefinition; models?: ModelDefinition[] };
        for (const m of [mod.model, ...(mod.models ?? [])]) if (m) defs.push({ file: where(file), ...m });
      }
    }
  }
  assertOneModelPerRelation(defs);
  return defs;
}

async function loadSqlModel(file: string, inModels: string, where: string): Promise<ModelDefinition> {
  const relation = sqlModelRelation(inModels, where);
  return parseSqlModel(await fs.readFile(file, "utf8"), relation, where).definition;
}

function assertOneModelPerRelation(defs: readonly ModelDefinition[]): void {
  const seen = new Map<string, ModelDefinition>();
  for (const def of defs) {
    const id = modelId(def);
    const other = seen.get(id);
    if (other) {
      const name = (d: ModelDefinition) => d.file ?? "a built-in model";
      throw new ConfigError(
        `${name(def)} builds ${id}, which ${name(other)} also builds; rename or remove one of them`,
      );
    }
    seen.set(id, def);
  }
}

/** The models as a DAG: edges from ref() calls; source() calls are recorded for the pipeline DAG. */
export function modelDag(
  defs: readonly ModelDefinition[],
  options: { dialect: Dialect; config: Config; asOf: string },
): Dag<ModelDagNode> {
  const nodes = resolveModels(defs, options);
  return new Dag(
    nodes.map((model) => ({
      id: modelId(model.definition),
      kind: "model",
      upstream: model.refs,
      tags: model.definition.tags ?? [],
      model,
    })),
  );
}
