import { promises as fs } from "node:fs";
import path from "node:path";
import { DAY } from "./context.js";
import { isoDate } from "./format.js";
import type { Rng } from "./rng.js";
import type { Truth } from "./truth.js";
import type { JsonlWriter } from "./writer.js";

/** The legacy ERP's CSV exports (with a few malformed rows to reject) and the daily FX rates file. */

export async function writeErpExports(
  dir: string,
  w: JsonlWriter,
  customers: string[][],
  invoices: { month: string; row: string[] }[],
  payments: { month: string; row: string[] }[],
  credits: { month: string; row: string[] }[],
  rng: Rng,
): Promise<Truth["rejects"]> {
  const rejects: Truth["rejects"] = [];
  const header = {
    customers: "customer_no;name;vat_id;email_domain;crm_account_id",
    invoices:
      "invoice_no;customer_no;invoice_date;due_date;currency;net_amount;tax_amount;gross_amount;status;billing_ref",
    payments: "payment_no;customer_no;payment_date;currency;amount;invoice_no;billing_ref",
    credits: "credit_no;customer_no;credit_date;currency;net_amount;tax_amount;gross_amount;type;billing_ref",
  };
  await fs.mkdir(path.join(dir, "erp_exports"), { recursive: true });
  const write = async (name: string, head: string, rows: string[][]) => {
    const body = [head, ...rows.map((r) => r.join(";"))].join("\r\n") + "\r\n";
    await fs.writeFile(path.join(dir, "erp_exports", name), "\ufeff" + body);
    w.count(`erp_exports/${name}`, rows.length);
  };
  await write("customers_2026-11.csv", header.customers, customers);
  const byMonth = <T extends { month: string; row: string[] }>(xs: T[]) => {
    const m = new Map<string, string[][]>();
    for (const x of xs) m.set(x.month, [...(m.get(x.month) ?? []), x.row]);
    return [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  };
  const invMonths = byMonth(invoices);
  // A few malformed rows in one export: they describe nothing real and must be rejected, not loaded.
  if (invMonths.length) {
    const [month, rows] = invMonths[Math.floor(invMonths.length / 2)]!;
    const bad = [
      {
        row: ["K-BAD-1", "C-0", "31.02.2026", "31.03.2026", "EUR", "1,00", "0,00", "1,00", "open", ""],
        reason: "no such date",
        field: "invoice_date",
      },
      {
        row: ["K-BAD-2", "C-0", "01.03.2026", "31.03.2026", "EUR", "eins", "0,00", "1,00", "open", ""],
        reason: "not a number",
        field: "net_amount",
      },
      { row: ["K-BAD-3", "C-0", "01.03.2026"], reason: "wrong number of columns", field: undefined },
    ];
    for (const b of bad) {
      const at = rng.int(0, rows.length);
      rows.splice(at, 0, b.row);
    }
    // Line numbers: the header is line 1.
    for (const b of bad) {
      const line = rows.indexOf(b.row) + 2;
      rejects.push({ file: `invoices_${month}.csv`, line, key: b.row[0]!, field: b.field, reason: b.reason });
    }
  }
  for (const [month, rows] of invMonths) await write(`invoices_${month}.csv`, header.invoices, rows);
  for (const [month, rows] of byMonth(payments)) await write(`payments_${month}.csv`, header.payments, rows);
  for (const [month, rows] of byMonth(credits)) await write(`credits_${month}.csv`, header.credits, rows);
  return rejects;
}

export async function writeFxRates(
  dir: string,
  w: JsonlWriter,
  asOf: number,
  start: number,
  rng: Rng,
): Promise<void> {
  const base: Record<string, number> = { EUR: 1.08, GBP: 1.27, JPY: 0.0068 };
  const lines = ["date,currency,usd_per_unit"];
  const level = { ...base };
  let n = 0;
  for (let d = start - 40 * DAY; d <= asOf; d += DAY) {
    lines.push(`${isoDate(d)},USD,1`);
    for (const c of ["EUR", "GBP", "JPY"]) {
      level[c] = level[c]! * (1 + (rng.next() - 0.5) * 0.01);
      level[c] = Math.min(base[c]! * 1.15, Math.max(base[c]! * 0.85, level[c]!));
      lines.push(`${isoDate(d)},${c},${level[c]!.toFixed(c === "JPY" ? 8 : 6)}`);
    }
    n += 4;
  }
  await fs.writeFile(path.join(dir, "fx_rates.csv"), lines.join("\n") + "\n");
  w.count("fx_rates.csv", n);
}
