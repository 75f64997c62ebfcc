import { DAY, addMonths, type World } from "./context.js";
import { postInvoice, postPayment } from "./erp-postings.js";
import { unix } from "./format.js";
import { invoiceLines, stripeCharge, stripeInvoice } from "./records.js";

/**
 * Stripe's invoices for every billing period of every subscription up to as_of (the newest may
 * be a draft), the charge that paid each or a failed attempt, a few refunds and credit notes;
 * then each invoice's and payment's ERP posting (erp-postings.ts), drawn in the same pass so a
 * seed gives the same world.
 */
export function generateInvoices(world: World): void {
  const { r, ids, asOf, contracts, invoices, charges, refunds, creditNotes } = world;
  let invoiceSeq = 0;
  for (const k of contracts) {
    if (!k.subId) continue;
    const c = k.customer;
    const ri = r.invoices;
    const taxRate = c.entity === "eu" ? (c.currency === "GBP" ? 20 : 19) : 0;
    for (
      let p = k.start;
      p <= k.end && p <= asOf;
      p = k.interval === "month" ? addMonths(p, 1) : addMonths(p, 12)
    ) {
      const created = p + ri.int(0, 3600) * 1000;
      if (created > asOf) break;
      invoiceSeq++;
      const id = ids.stripe("in");
      const number = `${c.stripeId!.slice(4, 12).toUpperCase()}-${String(invoiceSeq).padStart(5, "0")}`;
      const subtotal = k.unitMinor * k.quantity;
      const tax = Math.round((subtotal * taxRate) / 100);
      const total = subtotal + tax;
      const age = (asOf - created) / DAY;
      // The newest invoice may still be a draft: not finalized, so not an invoice anywhere yet.
      if (age < 1 && ri.chance(0.5)) {
        invoices.push(
          stripeInvoice({
            id,
            number,
            c,
            created,
            subtotal,
            tax,
            total,
            status: "draft",
            lines: invoiceLines(ri, ids, id, subtotal, c.currency, k, 1),
          }),
        );
        continue;
      }
      const finalizedAt = created + 3600_000;
      let status: "open" | "paid" | "void" | "uncollectible";
      let paidAt: number | undefined;
      const roll = ri.next();
      if (roll < 0.01) status = "void";
      else if (roll < 0.025) status = "uncollectible";
      else if (roll < 0.05 || age < 2) status = "open";
      else {
        status = "paid";
        paidAt = Math.min(finalizedAt + ri.int(0, 9) * DAY + ri.int(60, 7200) * 1000, asOf - 60_000);
      }
      const dueAt = finalizedAt + 30 * DAY;
      const lineCount = ri.chance(0.01) ? ri.int(11, 14) : 1;
      invoices.push(
        stripeInvoice({
          id,
          number,
          c,
          created,
          subtotal,
          tax,
          total,
          status,
          finalizedAt,
          paidAt,
          dueAt,
          subId: k.subId,
          lines: invoiceLines(ri, ids, id, subtotal, c.currency, k, lineCount),
        }),
      );

      // Charges: the payment that settled it, and a failed attempt on some unpaid ones.
      let chargeId: string | undefined;
      if (status === "paid" && paidAt !== undefined) {
        chargeId = ids.stripe("ch");
        const refunded = ri.chance(0.02) ? Math.round(total / 4) : 0;
        charges.push(stripeCharge(chargeId, c, id, total, "succeeded", paidAt, refunded));
        if (refunded) {
          refunds.push({
            id: ids.stripe("re"),
            object: "refund",
            amount: refunded,
            charge: chargeId,
            currency: c.currency.toLowerCase(),
            created: unix(Math.min(paidAt + 5 * DAY, asOf - 60_000)),
            status: "succeeded",
            reason: "requested_by_customer",
          });
        }
      } else if (status === "open" || status === "uncollectible") {
        charges.push(
          stripeCharge(
            ids.stripe("ch"),
            c,
            id,
            total,
            "failed",
            Math.min(finalizedAt + DAY, asOf - 60_000),
            0,
          ),
        );
      }
      if (ri.chance(0.03) && status === "paid") {
        creditNotes.push({
          id: ids.stripe("cn"),
          object: "credit_note",
          invoice: id,
          customer: c.stripeId,
          amount: Math.round(total / 10),
          currency: c.currency.toLowerCase(),
          created: unix(Math.min(finalizedAt + 10 * DAY, asOf - 60_000)),
          // Noise: a voided credit note credits nothing, so no ERP posts it.
          status: r.credits.chance(0.05) ? "void" : "issued",
          reason: "order_change",
          number: `${number}-CN1`,
        });
      }

      // ---- the ERP postings of the invoice and of its payment
      const posted = { c, id, number, status, paidAt, total, taxRate, finalizedAt, dueAt, chargeId };
      if (!postInvoice(world, posted)) continue;
      postPayment(world, posted);
    }
  }
}
