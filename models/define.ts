import type { ModelDefinition } from "./interfaces.js";

/** Typed identity for model modules: `export const model = defineModel({...})`. */
export function defineModel(def: ModelDefinition): ModelDefinition {
  return def;
}
