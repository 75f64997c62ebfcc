import { existsSync } from "node:fs";
import path from "node:path";
import { generateWorld } from "./world/generate.js";

export {
  startSandbox,
  type RunningSandbox,
  type SandboxOptions,
  type RequestLogEntry,
} from "./emulators/server.js";
export { MemoryWorldStore } from "./emulators/store.js";
export { generateWorld, worldDigest, type GenerateOptions, type WorldSummary } from "./world/generate.js";
export {
  readWorldManifest,
  readTruth,
  type WorldManifest,
  type Truth,
  type TruthDiscrepancy,
  type TruthLink,
} from "./world/read.js";
export { SANDBOX_CREDENTIALS, type FaultProfile } from "./emulators/context.js";

/**
 * `.trueup/worlds/seed-N-scale-S` (`…-hubspot` for a HubSpot world), generated once and reused
 * (generation is deterministic).
 */
export async function ensureWorld(
  root: string,
  seed: number,
  scale: number,
  crm: "salesforce" | "hubspot" = "salesforce",
): Promise<string> {
  const suffix = crm === "salesforce" ? "" : `-${crm}`;
  const dir = path.join(root, ".trueup", "worlds", `seed-${seed}-scale-${scale}${suffix}`);
  if (!existsSync(path.join(dir, "world.json"))) await generateWorld({ seed, scale, out: dir, crm });
  return dir;
}

/** KEY=value lines, as a .env file wants them. */
export function envFileText(env: Record<string, string>): string {
  return `${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}
