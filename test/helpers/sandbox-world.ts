import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readCredentials, type Credentials } from "../../config/credentials.js";
import { loadConfig, parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { createLogger } from "../../core/log.js";
import { runExtract, type StreamOutcome } from "../../extract/run-extract.js";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "../../sandbox/emulators/server.js";
import type { MemoryWorldStore } from "../../sandbox/emulators/store.js";
import { generateWorld } from "../../sandbox/world/generate.js";
import type { Warehouse } from "../../warehouse/interfaces.js";

export const silentLog = createLogger({
  level: "silent",
  destination: { write: () => true } as never,
  pretty: false,
});

export interface SandboxWorld {
  dir: string;
  sandbox: RunningSandbox;
  config: Config;
  credentials: Credentials;
  jsonl(file: string): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A generated world served by the sandbox, with the example config and credentials pointing at it. */
export async function sandboxWorld(
  seed: number,
  scale: number,
  options: Omit<SandboxOptions, "worldDir" | "store"> = {},
  world: { crm?: "salesforce" | "hubspot" } = {},
): Promise<SandboxWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-sbw-"));
  await generateWorld({ seed, scale, out: dir, crm: world.crm });
  const sandbox = await startSandbox({ worldDir: dir, port: 0, ...options });
  const { config: base } = await loadConfig({
    cwd: path.resolve(import.meta.dirname, "../.."),
    dotenv: false,
  });
  const raw = JSON.parse(JSON.stringify(base)) as {
    fx?: Record<string, unknown>;
    sources: {
      erp_files?: Record<string, unknown>;
      hubspot?: Record<string, unknown>;
      salesforce?: Record<string, unknown>;
    };
  };
  // The file sources read the world's exports, as the sandbox's env file would point them.
  raw.fx = { ...raw.fx, ratesFile: sandbox.env.FX_RATES_FILE };
  if (raw.sources.erp_files) raw.sources.erp_files.dir = sandbox.env.ERP_EXPORT_DIR;
  // A HubSpot world: the example config's HubSpot source on, Salesforce off. REST sources read
  // their endpoint and token from the environment, as the CLI's env file would set them.
  if (world.crm === "hubspot") {
    process.env.HUBSPOT_BASE_URL = sandbox.env.HUBSPOT_BASE_URL;
    process.env.HUBSPOT_ACCESS_TOKEN = sandbox.env.HUBSPOT_ACCESS_TOKEN;
    raw.sources.hubspot = { ...raw.sources.hubspot, enabled: true };
    raw.sources.salesforce = { ...raw.sources.salesforce, enabled: false };
  }
  const config = parseConfig(raw);
  const credentials = readCredentials({ ...sandbox.env });
  return {
    dir,
    sandbox,
    config,
    credentials,
    jsonl: (file) =>
      readFileSync(path.join(dir, file), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `trueup extract` of every source of the world, as the CLI runs it. */
export async function extractAll(wh: Warehouse, w: SandboxWorld, runId: string): Promise<StreamOutcome[]> {
  const out = await runExtract({
    warehouse: wh,
    config: w.config,
    credentials: w.credentials,
    runId,
    log: silentLog,
  });
  const failed = out.filter((o) => o.status !== "succeeded");
  if (failed.length) throw new Error(failed.map((f) => `${f.source}.${f.stream}: ${f.error}`).join("\n"));
  return out;
}

/** Pads a store's Salesforce Contacts to `total` records, so query results span several 2,000-record pages. */
export function padContacts(
  store: { list: MemoryWorldStore["list"]; setTable: MemoryWorldStore["setTable"] },
  total: number,
): void {
  const contacts = [...store.list("salesforce", "Contact")];
  const base = contacts[0]!;
  for (let i = contacts.length; i < total; i++)
    contacts.push({ ...base, Id: `003SYN${String(i).padStart(12, "0")}`, LastName: `Synthetic ${i}` });
  store.setTable("salesforce", "Contact", contacts);
}
