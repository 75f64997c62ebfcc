export { defineConfig } from "./define.js";
export { loadConfig, parseConfig, type LoadConfigOptions, type LoadedConfig } from "./load.js";
export { readCredentials, type Credentials } from "./credentials.js";
export * from "./schema.js";
