/**
 * Child process of the bench: extract the scale-1 world, build the models, run the two health
 * syncs (≈1,800 changed records), then run them again with nothing changed. Prints changed
 * records and write calls of both runs.
 */
import path from "node:path";
import { readCredentials } from "../config/credentials.js";
import { loadConfig, parseConfig } from "../config/load.js";
import { createLogger } from "../core/log.js";
import { runExtract } from "../extract/run-extract.js";
import { buildModels } from "../models/build.js";
import { canonicalModels } from "../models/canonical/index.js";
import { runSyncs } from "../reverse/run.js";
import { startSandbox } from "../sandbox/emulators/server.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import { migrate } from "../warehouse/migrations/migrate.js";

const worldDir = process.env.BENCH_WORLD!;
const sb = await startSandbox({ worldDir, port: 0 });
const { config: base } = await loadConfig({ cwd: path.resolve(import.meta.dirname, ".."), dotenv: false });
const config = parseConfig({
  ...JSON.parse(JSON.stringify(base)),
  fx: { reportingCurrency: "USD", ratesFile: sb.env.FX_RATES_FILE },
  sources: {
    ...JSON.parse(JSON.stringify(base.sources)),
    erp_files: { ...base.sources.erp_files, dir: sb.env.ERP_EXPORT_DIR },
  },
});
const credentials = readCredentials(sb.env);
const wh = await PostgresWarehouse.connect({ url: process.env.BENCH_DB! });
await migrate(wh);
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
await runExtract({ warehouse: wh, config, credentials, runId: "bench-rev", log });
await buildModels({ warehouse: wh, config, log, models: canonicalModels, asOf: sb.store.asOf.toISOString() });
const names = ["salesforce_account_health", "zendesk_organization_health"];
const first = await runSyncs({ warehouse: wh, config, credentials, runId: "bench-rev-1", log, names });
const again = await runSyncs({ warehouse: wh, config, credentials, runId: "bench-rev-2", log, names });
await wh.close();
await sb.close();
process.stdout.write(
  JSON.stringify({
    perSync: first.map((r) => ({ sync: r.sync, changed: r.verified, calls: r.writeCalls })),
    zeroCalls: again.reduce((n, r) => n + r.writeCalls, 0),
  }) + "\n",
);
