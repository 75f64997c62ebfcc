export type * from "./interfaces.js";
export { defineModel } from "./define.js";
export { buildModels, type BuildOptions, type ModelOutcome } from "./build.js";
export { compileModel, resolveModels, modelId } from "./compile.js";
export { loadModelDefinitions, modelDag } from "./project.js";
export { sqlDialect } from "./dialects.js";
