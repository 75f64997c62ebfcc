import { DAY, type World } from "./context.js";
import { erpDate, isoDate, major, majorComma } from "./format.js";
import { RATES } from "./hazards.js";
import { nsTransaction } from "./records.js";

/**
 * The hazard of an invoice missing in billing: ERP invoices billing never issued (manual ERP
 * invoices), with amounts with odd cents, so they cannot be mistaken for a subscription invoice
 * of the same customer.
 */
export function postManualInvoices(world: World): void {
  const { r, ids, asOf, flag, nsTranId, customers, nsTransactions, nsLines, erpInvoices } = world;
  const erpCustomers = customers.filter((c) => c.nsId || c.erpNo);
  const nErpInvoices = nsTransactions.filter((t) => t.type === "CustInvc").length + erpInvoices.length;
  const extra = Math.max(2, Math.round(nErpInvoices * RATES.invoiceMissingInBilling));
  for (let k = 0; k < extra && erpCustomers.length; k++) {
    const c =
      erpCustomers[
        k % 2 === 0 ? r.inject.int(0, erpCustomers.length - 1) : r.inject.int(0, erpCustomers.length - 1)
      ]!;
    const at = asOf - r.inject.int(10, 400) * DAY;
    const amount =
      c.currency === "JPY"
        ? r.inject.int(100, 999) * 10 + 7
        : r.inject.int(100, 9999) * 100 + r.inject.int(1, 99);
    if (c.entity === "us") {
      const nsId = nsTranId();
      nsTransactions.push(
        nsTransaction({
          id: nsId,
          tranid: `INV${nsId}`,
          type: "CustInvc",
          entity: c.nsId!,
          at,
          due: at + 30 * DAY,
          status: "A",
          currency: c.currency,
          total: amount,
          externalid: "",
          memo: "Manual invoice: professional services",
        }),
      );
      nsLines.push({
        id: `${nsId}-1`,
        transaction: nsId,
        linesequencenumber: "1",
        item: "Services",
        foreignamount: major(amount, c.currency),
        links: [],
      });
      flag("invoice_missing_in_billing", `netsuite:${nsId}`, { amount: major(amount, c.currency) });
    } else {
      const no = `K-${ids.next("erp-invoice", 100001)}`;
      erpInvoices.push({
        month: isoDate(at).slice(0, 7),
        row: [
          no,
          c.erpNo!,
          erpDate(at),
          erpDate(at + 30 * DAY),
          c.currency,
          majorComma(amount, c.currency),
          majorComma(0, c.currency),
          majorComma(amount, c.currency),
          "open",
          "",
        ],
      });
      flag("invoice_missing_in_billing", `erp_file:${no}`, { amount: major(amount, c.currency) });
    }
  }
}
