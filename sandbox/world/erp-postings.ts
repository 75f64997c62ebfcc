import { DAY, type Customer, type World } from "./context.js";
import { erpDate, isoDate, major, majorComma } from "./format.js";
import { RATES, injectInvoice } from "./hazards.js";
import { nsTransaction } from "./records.js";

/** A finalized Stripe invoice as its ERP posting needs it. */
export interface BilledInvoice {
  c: Customer;
  id: string;
  number: string;
  status: "open" | "paid" | "void" | "uncollectible";
  paidAt: number | undefined;
  total: number;
  taxRate: number;
  finalizedAt: number;
  dueAt: number;
  /** The charge that paid it, if it was paid. */
  chargeId: string | undefined;
}

/**
 * The ERP posting of a Stripe invoice: a NetSuite invoice (CustInvc) for the US entity, a row of
 * the legacy ERP's invoice export for the EU one, within 0-2 days. The hazards (outside the
 * posting window only): missing in the ERP, another amount, another currency, another status.
 * False when it is not posted yet (inside the window): then its payment is not either.
 */
export function postInvoice(world: World, invoice: BilledInvoice): boolean {
  const { r, ids, asOf, windowStart, flag, nsTranId, nsTransactions, nsLines, erpInvoices } = world;
  const { c, id, number, status, paidAt, total, taxRate, finalizedAt, dueAt } = invoice;
  const re = r.erp;
  const recent = finalizedAt >= windowStart;
  const linked = c.freeMail || re.chance(0.85);
  const inject = !recent && linked ? injectInvoice(r.inject, status, paidAt, windowStart) : undefined;
  if (recent && re.chance(0.5)) return false; // noise: not posted yet, inside the posting window
  if (inject === "missing") {
    flag("invoice_missing_in_erp", `stripe:${id}`, {
      total: major(total, c.currency),
      currency: c.currency,
    });
  } else {
    let erpTotal = total;
    let erpCurrency = c.currency;
    let erpStatus = status === "paid" ? "paid" : status === "void" ? "void" : "open";
    if (inject === "amount") {
      const delta = re.int(1, 50) * (re.chance(0.5) ? 1 : -1) * (c.currency === "JPY" ? 100 : 100);
      erpTotal = total + delta;
      flag("invoice_amount_mismatch", `stripe:${id}`, {
        billing: major(total, c.currency),
        erp: major(erpTotal, c.currency),
      });
    } else if (inject === "currency") {
      erpCurrency = c.currency === "USD" ? (c.entity === "us" ? "EUR" : "USD") : "USD";
      if (erpCurrency === c.currency) erpCurrency = "GBP";
      flag("invoice_currency_mismatch", `stripe:${id}`, { billing: c.currency, erp: erpCurrency });
    } else if (inject === "status_paid_open") {
      erpStatus = "open";
      flag("invoice_status_mismatch", `stripe:${id}`, { billing: "paid", erp: "open" });
    } else if (inject === "status_open_paid") {
      erpStatus = "paid";
      flag("invoice_status_mismatch", `stripe:${id}`, { billing: status, erp: "paid" });
    } else if (!recent && c.currency !== "JPY" && re.chance(0.02)) {
      erpTotal = total - 1; // noise: rounding by one cent
    }
    // Noise: paid in billing inside the settlement window, the ERP has not caught up yet.
    if (
      status === "paid" &&
      paidAt !== undefined &&
      paidAt >= windowStart &&
      inject === undefined &&
      re.chance(0.5)
    )
      erpStatus = "open";
    const postedAt = Math.min(finalizedAt + re.int(0, 2) * DAY, asOf - 60_000);
    if (c.entity === "us") {
      const nsId = nsTranId();
      nsTransactions.push(
        nsTransaction({
          id: nsId,
          tranid: `INV${nsId}`,
          type: "CustInvc",
          entity: c.nsId!,
          at: postedAt,
          due: dueAt,
          status: erpStatus === "paid" ? "B" : erpStatus === "void" ? "V" : "A",
          currency: erpCurrency,
          total: erpTotal,
          externalid: linked ? id : "",
          memo: linked ? "" : `Stripe invoice ${number}`,
        }),
      );
      nsLines.push({
        id: `${nsId}-1`,
        transaction: nsId,
        linesequencenumber: "1",
        item: "Subscription",
        foreignamount: major(erpTotal, erpCurrency),
        links: [],
      });
    } else {
      const subtotalErp = Math.round((erpTotal * 100) / (100 + taxRate));
      erpInvoices.push({
        month: isoDate(postedAt).slice(0, 7),
        row: [
          `K-${ids.next("erp-invoice", 100001)}`,
          c.erpNo!,
          erpDate(postedAt),
          erpDate(dueAt),
          erpCurrency,
          majorComma(subtotalErp, erpCurrency),
          majorComma(erpTotal - subtotalErp, erpCurrency),
          majorComma(erpTotal, erpCurrency),
          erpStatus,
          linked ? id : "",
        ],
      });
    }
  }
  return true;
}

/**
 * The ERP posting of the payment of a paid invoice: a NetSuite customer payment (CustPymt) or a
 * row of the legacy ERP's payment export. The hazards: missing in the ERP, another amount.
 */
export function postPayment(world: World, invoice: BilledInvoice): void {
  const { r, ids, asOf, windowStart, flag, nsTranId, nsTransactions, erpPayments } = world;
  const { c, paidAt, total, chargeId } = invoice;
  const re = r.erp;
  if (chargeId && paidAt !== undefined) {
    const recentPay = paidAt >= windowStart;
    if (recentPay && re.chance(0.5)) return; // noise: not posted yet
    const payLinked = c.freeMail || re.chance(0.9);
    let payTotal = total;
    if (!recentPay && payLinked) {
      const roll2 = r.inject.next();
      if (roll2 < RATES.paymentMissingInErp) {
        flag("payment_missing_in_erp", `stripe:${chargeId}`, {
          amount: major(total, c.currency),
          currency: c.currency,
        });
        return;
      }
      if (roll2 < RATES.paymentMissingInErp + RATES.paymentAmountMismatch) {
        payTotal = total + re.int(1, 20) * 100 * (re.chance(0.5) ? 1 : -1);
        flag("payment_amount_mismatch", `stripe:${chargeId}`, {
          billing: major(total, c.currency),
          erp: major(payTotal, c.currency),
        });
      }
    }
    const postedAt = Math.min(paidAt + re.int(0, 2) * DAY, asOf - 60_000);
    if (c.entity === "us") {
      const nsId = nsTranId();
      nsTransactions.push(
        nsTransaction({
          id: nsId,
          tranid: `PMT${nsId}`,
          type: "CustPymt",
          entity: c.nsId!,
          at: postedAt,
          status: "C",
          currency: c.currency,
          total: payTotal,
          externalid: payLinked ? chargeId : "",
          memo: "",
        }),
      );
    } else {
      erpPayments.push({
        month: isoDate(postedAt).slice(0, 7),
        row: [
          `P-${ids.next("erp-payment", 500001)}`,
          c.erpNo!,
          erpDate(postedAt),
          c.currency,
          majorComma(payTotal, c.currency),
          "",
          payLinked ? chargeId : "",
        ],
      });
    }
  }
}
