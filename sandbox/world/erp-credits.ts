import { DAY, type World } from "./context.js";
import { erpDate, isoDate, major, majorComma } from "./format.js";
import { RATES } from "./hazards.js";
import { nsTransaction } from "./records.js";

/**
 * A succeeded refund is posted as a NetSuite customer refund (CustRfnd) or a legacy ERP credit
 * row of type refund, an issued credit note as a NetSuite credit memo (CustCred) or a credit row
 * of type credit_note, within 0-2 days. Linked postings (85 %) carry the Stripe id; the others
 * are found by customer, currency, amount and date, NetSuite credit memos also by the credit
 * note number in their memo.
 * The hazards: a refund or credit note missing in the ERP, a credit note of another amount.
 */
export function postCredits(world: World): void {
  const { r, ids, asOf, windowStart, flag, nsTranId, customers, charges, refunds, creditNotes } = world;
  const { nsTransactions, erpCredits } = world;
  const byStripeId = new Map(customers.filter((c) => c.stripeId).map((c) => [c.stripeId!, c]));
  const chargeCustomer = new Map(charges.map((ch) => [String(ch.id), String(ch.customer)]));
  const creditDocs = [
    ...refunds.map((o) => ({
      kind: "refund" as const,
      o,
      c: byStripeId.get(chargeCustomer.get(String(o.charge))!)!,
    })),
    ...creditNotes
      .filter((o) => o.status === "issued")
      .map((o) => ({ kind: "credit_note" as const, o, c: byStripeId.get(String(o.customer))! })),
  ];
  for (const { kind, o, c } of creditDocs) {
    const rc = r.credits;
    const created = Number(o.created) * 1000;
    const amount = Number(o.amount);
    const currency = c.currency;
    const recent = created >= windowStart;
    const linked = c.freeMail || rc.chance(0.85);
    const roll = rc.next();
    if (recent && rc.chance(0.5)) continue; // noise: inside the posting window, not posted yet
    let erpAmount = amount;
    const missingRate = kind === "refund" ? RATES.refundMissingInErp : RATES.creditNoteMissingInErp;
    if (!recent && linked && roll < missingRate) {
      flag(
        kind === "refund" ? "refund_missing_in_erp" : "credit_note_missing_in_erp",
        `stripe:${String(o.id)}`,
        { amount: major(amount, currency), currency },
      );
      continue;
    }
    if (kind === "credit_note" && !recent && linked && roll < missingRate + RATES.creditNoteAmountMismatch) {
      erpAmount =
        amount + Math.max(100, Math.round(amount * rc.pick([0.1, 0.2, 0.5]))) * (rc.chance(0.5) ? 1 : -1);
      flag("credit_note_amount_mismatch", `stripe:${String(o.id)}`, {
        billing: major(amount, currency),
        erp: major(erpAmount, currency),
      });
    } else if (currency !== "JPY" && rc.chance(0.05)) {
      erpAmount = amount - 1; // noise: rounding by one cent
    }
    const postedAt = Math.min(created + rc.int(0, 2) * DAY, asOf - 60_000);
    if (c.entity === "us") {
      const nsId = nsTranId();
      nsTransactions.push(
        nsTransaction({
          id: nsId,
          tranid: `${kind === "refund" ? "RFND" : "CRN"}${nsId}`,
          type: kind === "refund" ? "CustRfnd" : "CustCred",
          entity: c.nsId!,
          at: postedAt,
          status: kind === "refund" ? undefined : "B",
          currency,
          total: erpAmount,
          externalid: linked ? String(o.id) : "",
          memo: linked ? "" : kind === "refund" ? "Refund to card" : `Stripe credit note ${String(o.number)}`,
        }),
      );
    } else {
      const taxRate = kind === "refund" ? 0 : currency === "GBP" ? 20 : 19;
      const net = Math.round((erpAmount * 100) / (100 + taxRate));
      erpCredits.push({
        month: isoDate(postedAt).slice(0, 7),
        row: [
          kind === "refund" ? `R-${ids.next("erp-refund", 700001)}` : `G-${ids.next("erp-credit", 800001)}`,
          c.erpNo!,
          erpDate(postedAt),
          currency,
          majorComma(net, currency),
          majorComma(erpAmount - net, currency),
          majorComma(erpAmount, currency),
          kind,
          linked ? String(o.id) : "",
        ],
      });
    }
  }
}
