import type { ConfigInput } from "./schema.js";

/** Typed identity for `trueup.config.ts`; validation happens when the config is loaded. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
