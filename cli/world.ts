import { generateWorld } from "../sandbox/world/generate.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

export async function worldGenerateCommand(
  ctx: CommandContext,
  opts: { seed: number; scale: number; out: string; crm?: "salesforce" | "hubspot" },
): Promise<number> {
  const started = Date.now();
  const summary = await generateWorld(opts);
  if (ctx.json) {
    ctx.printJson(summary);
    return 0;
  }
  const files = Object.entries(summary.files).filter(
    ([f]) => !/_(\d{4}-\d{2})\.csv$/.test(f) || f.includes("customers"),
  );
  const monthly = Object.entries(summary.files).filter(([f]) =>
    /(invoices|payments)_\d{4}-\d{2}\.csv$/.test(f),
  );
  const agg = new Map<string, number>();
  for (const [f, n] of monthly) {
    const k = f.replace(/_\d{4}-\d{2}\.csv$/, "_*.csv");
    agg.set(k, (agg.get(k) ?? 0) + n);
  }
  ctx.print(
    formatTable(
      ["file", "records"],
      [...files, ...agg].map(([f, n]) => [f, n]),
    ),
  );
  ctx.print("");
  ctx.print(
    formatTable(
      ["injected discrepancy", "count"],
      Object.entries(summary.discrepancies).map(([c, n]) => [c, n]),
    ),
  );
  ctx.print(
    `\nwrote ${summary.dir} (${summary.links} customers) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}
