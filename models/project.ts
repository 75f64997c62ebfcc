import { promises as fs } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import type { Config } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { Dag, type DagNode } from "../orchestration/dag.js";
import type { Dialect } from "../warehouse/interfaces.js";
import { canonicalModels } from "./canonical/index.js";
import { modelId, resolveModels } from "./compile.js";
import type { ModelDefinition, ModelNode } from "./interfaces.js";

export interface ModelDagNode extends DagNode {
  model: ModelNode;
}

/** Built-in canonical models plus every module under `config.models.paths` exporting `model` or `models`. */
export async function loadModelDefinitions(config: Config, cwd = process.cwd()): Promise<ModelDefinition[]> {
  const defs = config.models.builtin ? [...canonicalModels] : [];
  for (const p of config.models.paths) {
    const dir = path.resolve(cwd, p);
    const files = (
      await fs.readdir(dir).catch(() => {
        throw new ConfigError(`models.paths: cannot read ${dir}`);
      })
    )
      .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith(".d.ts"))
      .sort();
    for (const f of files) {
      const mod = (await tsImport(pathToFileURL(path.join(dir, f)).href, import.meta.url)) as {
        model?: ModelDefinition;
        models?: ModelDefinition[];
      };
      if (mod.model) defs.push(mod.model);
      if (mod.models) defs.push(...mod.models);
    }
  }
  return defs;
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
