import { createWriteStream } from "node:fs";
import { once } from "node:events";

/**
 * A legacy-ERP invoice export of `rows` rows, in the world's format (BOM, `;`, decimal comma,
 * DD.MM.YYYY). Deterministic: the same rows give the same bytes.
 */
export async function writeErpInvoicesCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  await write(
    "\ufeffinvoice_no;customer_no;invoice_date;due_date;currency;net_amount;tax_amount;gross_amount;status;billing_ref\n",
  );
  const statuses = ["open", "paid", "void"];
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    const day = (i % 28) + 1;
    const month = (i % 12) + 1;
    const net = 100 + (i % 9973);
    const cents = i % 100;
    const tax = Math.floor(net * 0.19);
    const gross = net + tax;
    chunk += `K-${1_000_000 + i};C-${i % 5000};${String(day).padStart(2, "0")}.${String(month).padStart(2, "0")}.2026;${String(day).padStart(2, "0")}.${String(month).padStart(2, "0")}.2026;EUR;${net.toLocaleString("de-DE")},${String(cents).padStart(2, "0")};${tax},00;${gross.toLocaleString("de-DE")},${String(cents).padStart(2, "0")};${statuses[i % 3]};${i % 4 === 0 ? "" : `in_${i.toString(36)}`}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(chunk);
  out.end();
  await once(out, "finish");
}
