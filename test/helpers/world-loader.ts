import path from "node:path";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { createLogger } from "../../core/log.js";
import { runExtract } from "../../extract/run-extract.js";
import { loadStream } from "../../load/load-stream.js";
import type { ExtractBatch, StreamDescriptor } from "../../load/interfaces.js";
import { readJsonl } from "../../sandbox/world/read.js";
import type { Warehouse } from "../../warehouse/interfaces.js";
import { loadConfig } from "../../config/load.js";

/**
 * TRANSITIONAL (until the API extractors of issue 4 land): lands a world's vendor files in
 * staging the way the extractors will — same tables, same keys — so the models and rules can be
 * checked against truth.json now. The ERP exports and FX rates already go through the real
 * file sources. Replace every use with `trueup extract` against the sandbox once it exists.
 */
const API_STREAMS: { file: string; source: string; stream: string; primaryKey: string[] }[] = [
  { file: "salesforce/Account.jsonl", source: "salesforce", stream: "Account", primaryKey: ["id"] },
  { file: "salesforce/Contact.jsonl", source: "salesforce", stream: "Contact", primaryKey: ["id"] },
  { file: "salesforce/Opportunity.jsonl", source: "salesforce", stream: "Opportunity", primaryKey: ["id"] },
  { file: "stripe/customers.jsonl", source: "stripe", stream: "customers", primaryKey: ["id"] },
  { file: "stripe/subscriptions.jsonl", source: "stripe", stream: "subscriptions", primaryKey: ["id"] },
  { file: "stripe/invoices.jsonl", source: "stripe", stream: "invoices", primaryKey: ["id"] },
  { file: "stripe/charges.jsonl", source: "stripe", stream: "charges", primaryKey: ["id"] },
  { file: "stripe/refunds.jsonl", source: "stripe", stream: "refunds", primaryKey: ["id"] },
  { file: "stripe/credit_notes.jsonl", source: "stripe", stream: "credit_notes", primaryKey: ["id"] },
  { file: "netsuite/customer.jsonl", source: "netsuite", stream: "customer", primaryKey: ["id"] },
  { file: "netsuite/transaction.jsonl", source: "netsuite", stream: "transaction", primaryKey: ["id"] },
  { file: "netsuite/currency.jsonl", source: "netsuite", stream: "currency", primaryKey: ["id"] },
  { file: "zendesk/organizations.jsonl", source: "zendesk", stream: "organizations", primaryKey: ["id"] },
  { file: "zendesk/tickets.jsonl", source: "zendesk", stream: "tickets", primaryKey: ["id"] },
];

export async function loadWorldDirect(wh: Warehouse, worldDir: string): Promise<Config> {
  const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
  for (const s of API_STREAMS) {
    async function* batches(): AsyncGenerator<ExtractBatch> {
      let records: Record<string, unknown>[] = [];
      for await (const r of readJsonl(path.join(worldDir, s.file))) {
        // Stripe lists hide deleted objects; they arrive as *.deleted events (tombstones).
        if (r.deleted === true) continue;
        records.push(r);
        if (records.length === 5000) {
          yield { records };
          records = [];
        }
      }
      yield { records };
    }
    const desc: StreamDescriptor = { source: s.source, stream: s.stream, primaryKey: s.primaryKey };
    await loadStream(wh, desc, batches(), { runId: "world-direct", log });
  }
  const { config: base } = await loadConfig({
    cwd: path.resolve(import.meta.dirname, "../.."),
    dotenv: false,
  });
  const config = parseConfig({
    ...JSON.parse(
      JSON.stringify({
        ...base,
        sources: { erp_files: { ...base.sources.erp_files, dir: path.join(worldDir, "erp_exports") } },
      }),
    ),
    fx: { reportingCurrency: "USD", ratesFile: path.join(worldDir, "fx_rates.csv") },
  });
  const out = await runExtract({
    warehouse: wh,
    config,
    credentials: {},
    runId: "world-direct",
    log,
    selection: ["erp_files", "reference"],
  });
  const failed = out.filter((o) => o.status !== "succeeded");
  if (failed.length)
    throw new Error(`file sources failed: ${failed.map((f) => `${f.stream}: ${f.error}`).join("; ")}`);
  return config;
}
