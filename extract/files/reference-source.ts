import path from "node:path";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { ConfigError } from "../../core/errors.js";
import type { Source, SourceContext, StreamHandle } from "../interfaces.js";
import { fileStreamDescriptor, readCsvFile, recordFileLoad } from "./source.js";

/**
 * Reference data the models need besides the vendors': daily FX rates (`FX_RATES_FILE`, or
 * `fx.ratesFile`), CSV `date,currency,usd_per_unit`. Loaded like any stream (raw, staging
 * `staging.reference__fx_rates`, once per checksum), so the rates a number used are in the
 * warehouse beside it.
 */
const FX_PATTERN = {
  pattern: "*",
  stream: "fx_rates",
  primaryKey: ["date", "currency"],
  delimiter: ",",
  bom: true,
  decimalComma: false,
  dateFormat: "YYYY-MM-DD",
  encoding: "utf8" as const,
  columns: { date: "date" as const, usd_per_unit: "numeric" as const },
};

export function fxRatesFile(
  ctx: { config: SourceContext["config"] },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return ctx.config.fx.ratesFile ?? env.FX_RATES_FILE;
}

export const referenceSource: Source = {
  name: "reference",
  declaredStreams(config) {
    return fxRatesFile({ config }) ? ["fx_rates"] : [];
  },
  streams(ctx): StreamHandle[] {
    const file = fxRatesFile(ctx) ?? ctx.credentials.fxRatesFile;
    if (!file) return [];
    return [
      {
        descriptor: {
          ...fileStreamDescriptor(FX_PATTERN),
          source: "reference",
          description: "Daily FX rates to USD.",
        },
        async *read() {
          const hash = createHash("sha256");
          try {
            for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
          } catch (err) {
            throw new ConfigError(
              `cannot read the FX rates file ${file} (FX_RATES_FILE): ${(err as Error).message}`,
            );
          }
          const checksum = hash.digest("hex");
          const seen = await ctx.warehouse.query(
            `SELECT 1 FROM trueup.file_loads WHERE source = 'reference' AND file_name = $1 AND checksum = $2`,
            [path.basename(file), checksum],
          );
          if (seen.length && !ctx.fullRefresh) return;
          for await (const batch of readCsvFile(file, FX_PATTERN, checksum, ctx.runId)) {
            yield {
              ...batch,
              commit: async (tx) => {
                await recordFileLoad(tx, {
                  source: "reference",
                  file: path.basename(file),
                  checksum,
                  stream: "fx_rates",
                  rows: batch.positions?.length ?? batch.records.length,
                  rejects: batch.rejects?.length ?? 0,
                  runId: ctx.runId,
                });
              },
            };
          }
        },
      },
    ];
  },
};
