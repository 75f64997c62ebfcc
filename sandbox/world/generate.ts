import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { generateBillingCustomers } from "./billing-customers.js";
import { generateInvoices } from "./billing-invoices.js";
import { newWorld } from "./context.js";
import { generateCrmAccounts } from "./crm-accounts.js";
import { generateContracts } from "./crm-contracts.js";
import { generateSubscriptions } from "./crm-subscriptions.js";
import { generateCustomers } from "./customers.js";
import { postCredits } from "./erp-credits.js";
import { generateErpCustomers } from "./erp-customers.js";
import { postManualInvoices } from "./erp-manual-invoices.js";
import { WINDOW_DAYS } from "./hazards.js";
import { generateSupport } from "./support.js";
import { writeWorld } from "./write-world.js";
import { JsonlWriter } from "./writer.js";

export { RATES, WINDOW_DAYS } from "./hazards.js";

/**
 * The world generator: a SaaS company's revenue data across Salesforce, Stripe, NetSuite, the
 * legacy ERP's CSV exports and Zendesk, shaped as each vendor's API returns it, plus truth.json:
 * every discrepancy injected on purpose, and the record ids of each real customer per system.
 *
 * A world is a pure function of (seed, scale, as_of): one PRNG stream per concern, sequential
 * ids, stable order, so the same inputs give byte-identical files. docs/sandbox-world.md states
 * the rules a correct pipeline must follow to find exactly truth.json.
 */
export interface GenerateOptions {
  seed: number;
  scale: number;
  out: string;
  asOf?: string;
  /** The CRM the world has: Salesforce (default) or HubSpot, from the same draws. */
  crm?: "salesforce" | "hubspot";
}

export interface WorldSummary {
  dir: string;
  files: Record<string, number>;
  discrepancies: Record<string, number>;
  links: number;
}

/**
 * Each part adds its records in this order, which is part of the world's definition: the parts
 * share the id stream and some PRNG streams, so reordering them changes every later record.
 */
export async function generateWorld(options: GenerateOptions): Promise<WorldSummary> {
  if (!(options.scale > 0)) throw new Error(`scale must be positive, got ${options.scale}`);
  const asOfIso = options.asOf ?? "2026-11-22T00:00:00Z";
  const asOf = Date.parse(asOfIso);
  if (Number.isNaN(asOf)) throw new Error(`as_of is not a date-time: ${asOfIso}`);
  const seed = Math.trunc(options.seed);
  const dir = path.resolve(options.out);
  await fs.mkdir(dir, { recursive: true });
  const world = newWorld(seed, options.scale, asOf, WINDOW_DAYS);
  generateCustomers(world);
  generateCrmAccounts(world);
  generateContracts(world);
  generateSubscriptions(world);
  generateBillingCustomers(world);
  generateInvoices(world);
  postCredits(world);
  postManualInvoices(world);
  generateErpCustomers(world);
  generateSupport(world);
  return writeWorld(world, dir, new JsonlWriter(dir), options.crm ?? "salesforce");
}

/** A short digest of a world's files, for determinism checks and manifests. */
export async function worldDigest(dir: string): Promise<string> {
  const h = createHash("sha256");
  const walk = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of (await fs.readdir(d, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) out.push(...(await walk(p)));
      else out.push(p);
    }
    return out;
  };
  for (const f of await walk(dir)) {
    h.update(path.relative(dir, f));
    h.update(await fs.readFile(f));
  }
  return h.digest("hex");
}
