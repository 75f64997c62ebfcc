import { reconcileProject } from "../api/reconcile.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

export async function reconcileCommand(ctx: CommandContext, opts: { asOf?: string }): Promise<number> {
  const { families: results } = await reconcileProject(ctx, opts);
  const { warehouse } = await ctx.warehouse();
  const rows = await warehouse
    .query<{ category: string; open: string; amount_reporting: string; oldest: string | null }>(
      warehouse.dialect === "snowflake"
        ? // Snowflake has no aggregate FILTER; IFF gives the same per-category figures.
          `SELECT category, COUNT_IF(status = 'open') AS "open",
            coalesce(sum(IFF(status = 'open', amount_reporting, NULL)), 0) AS amount_reporting,
            min(IFF(status = 'open', first_seen_at, NULL)) AS oldest
       FROM "recon"."discrepancy" GROUP BY category ORDER BY category`
        : `SELECT category, count(*) FILTER (WHERE status = 'open') AS open,
            coalesce(sum(amount_reporting) FILTER (WHERE status = 'open'), 0) AS amount_reporting,
            min(first_seen_at) FILTER (WHERE status = 'open') AS oldest
       FROM recon.discrepancy GROUP BY category ORDER BY category`,
    )
    .catch(() => []);
  if (ctx.json) {
    ctx.printJson({
      run_id: ctx.runId,
      families: results,
      categories: rows.map((r) => ({ ...r, open: Number(r.open) })),
    });
    return 0;
  }
  if (results.length === 0) {
    ctx.print("no reconciliation rules are registered yet");
    return 0;
  }
  ctx.print(
    formatTable(
      ["category", "open", `amount (${ctx.loaded.config.fx.reportingCurrency})`],
      rows.map((r) => [r.category, Number(r.open), Number(Number(r.amount_reporting).toFixed(2))]),
    ),
  );
  const t = results.reduce(
    (a, r) => ({
      opened: a.opened + r.opened,
      reopened: a.reopened + r.reopened,
      resolved: a.resolved + r.resolved,
    }),
    { opened: 0, reopened: 0, resolved: 0 },
  );
  ctx.print(`this run: ${t.opened} opened, ${t.reopened} reopened, ${t.resolved} resolved`);
  return 0;
}
