import type { Rng } from "./rng.js";

/** Posting and settlement window of the default config, in days. */
export const WINDOW_DAYS = 3;

/** Rates at which discrepancies are injected, per population (each ≥ 1 % at scale 1). */
export const RATES = {
  invoiceMissingInErp: 0.015,
  invoiceAmountMismatch: 0.015,
  invoiceStatusMismatch: 0.015,
  invoiceCurrencyMismatch: 0.012,
  invoiceMissingInBilling: 0.015,
  paymentMissingInErp: 0.015,
  paymentAmountMismatch: 0.015,
  contractAmountMismatch: 0.03,
  contractMissingSubscription: 0.03,
  entitlementMismatch: 0.03,
  duplicateSalesforce: 0.015,
  duplicateStripe: 0.015,
  refundMissingInErp: 0.08,
  creditNoteMissingInErp: 0.08,
  creditNoteAmountMismatch: 0.05,
} as const;

export type InvoiceInjection =
  "missing" | "amount" | "currency" | "status_paid_open" | "status_open_paid" | undefined;

/** At most one injected discrepancy per invoice, only on invoices outside the posting window. */
export function injectInvoice(
  rng: Rng,
  status: string,
  paidAt: number | undefined,
  windowStart: number,
): InvoiceInjection {
  const x = rng.next();
  const missing = RATES.invoiceMissingInErp;
  const amount = missing + RATES.invoiceAmountMismatch;
  const currency = amount + RATES.invoiceCurrencyMismatch;
  const statusEnd = currency + RATES.invoiceStatusMismatch;
  if (x < missing) return "missing";
  if (x < amount) return "amount";
  if (x < currency) return "currency";
  if (x < statusEnd) {
    if (status === "paid" && paidAt !== undefined && paidAt < windowStart) return "status_paid_open";
    if (status === "open") return "status_open_paid";
  }
  return undefined;
}
