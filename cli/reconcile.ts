import type { Expression, Kysely } from "kysely";
import { reconcileProject } from "../api/reconcile.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

export async function reconcileCommand(
  ctx: CommandContext,
  opts: { asOf?: string; fullRefresh?: boolean },
): Promise<number> {
  const { families: results } = await reconcileProject(ctx, opts);
  const { warehouse } = await ctx.warehouse();
  // Open discrepancies per category, one statement for every warehouse (CASE in the aggregates).
  const rows = await categorySummary(warehouse.db).catch(() => []);
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

interface CategoryRow {
  category: string;
  open: string;
  amount_reporting: string;
  oldest: string | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function categorySummaryQuery(db: Kysely<any>) {
  return db
    .selectFrom("recon.discrepancy")
    .select((eb) => {
      const ifOpen = (value: Expression<unknown>) => eb.case().when("status", "=", "open").then(value).end();
      return [
        "category",
        eb.fn.count(ifOpen(eb.lit(1))).as("open"),
        eb.fn.coalesce(eb.fn.sum(ifOpen(eb.ref("amount_reporting"))), eb.lit(0)).as("amount_reporting"),
        eb.fn.min(ifOpen(eb.ref("first_seen_at"))).as("oldest"),
      ];
    })
    .groupBy("category")
    .orderBy("category");
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function categorySummary(db: Kysely<any>): Promise<CategoryRow[]> {
  return (await categorySummaryQuery(db).execute()) as CategoryRow[];
}
