/**
 * Child process of the bench: one `extract` of every API source into WAREHOUSE_URL with the
 * sandbox's environment, so its peak RSS is trueup's alone (the sandbox runs in the parent).
 * Prints one JSON line: rows, seconds, peak RSS in MB.
 */
import path from "node:path";
import { readCredentials } from "../config/credentials.js";
import { loadConfig } from "../config/load.js";
import { createLogger } from "../core/log.js";
import { runExtract } from "../extract/run-extract.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import { migrate } from "../warehouse/migrations/migrate.js";

const { config } = await loadConfig({ cwd: path.resolve(import.meta.dirname, ".."), dotenv: false });
const wh = await PostgresWarehouse.connect({ url: process.env.WAREHOUSE_URL! });
await migrate(wh);
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const t = performance.now();
const out = await runExtract({
  warehouse: wh,
  config,
  credentials: readCredentials(process.env),
  runId: `bench-${Date.now()}`,
  log,
  selection: ["salesforce", "stripe", "netsuite", "zendesk"],
});
const seconds = (performance.now() - t) / 1000;
await wh.close();
const failed = out.filter((o) => o.status !== "succeeded");
process.stdout.write(
  JSON.stringify({
    rows: out.reduce((n, o) => n + (o.rows ?? 0), 0),
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    failed: failed.map((f) => `${f.source}.${f.stream}: ${f.error}`),
  }) + "\n",
);
