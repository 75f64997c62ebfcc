import type { WarehouseSession } from "../warehouse/interfaces.js";
import type { Series } from "./charts.js";

/** The trend chart's lines: open amount at stake per day, for the largest categories. */
export async function openAmountTrend(warehouse: WarehouseSession): Promise<Series[]> {
  // recon.history: one row a day per category, entity and currency, written by each reconciliation.
  const rows = await warehouse.query<{
    day: Date | string;
    category: string;
    amount: string | number;
  }>(
    `SELECT "day", "category", SUM("amount_reporting") AS "amount" FROM "recon"."history"
      GROUP BY "day", "category" ORDER BY "day", "category"`,
  );
  const by = new Map<string, Series>();
  for (const r of rows) {
    const day = typeof r.day === "string" ? r.day.slice(0, 10) : r.day.toISOString().slice(0, 10);
    const s = by.get(r.category) ?? { name: r.category, points: [] };
    s.points.push({ x: day, y: Number(r.amount) });
    by.set(r.category, s);
  }
  // The largest categories by their latest amount; more lines than colours would not read.
  return [...by.values()].sort((a, b) => (b.points.at(-1)?.y ?? 0) - (a.points.at(-1)?.y ?? 0)).slice(0, 8);
}
