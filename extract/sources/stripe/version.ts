/**
 * Stripe API versions as they change the records trueup reads. Stripe names versions by release
 * date plus, from 2024-09-30 on, the major release (`.acacia`, `.basil`, `.clover`); dates sort
 * in release order, so a version is compared by its date.
 */

/** 2025-03-31.basil moved invoice payments to `invoice_payment` objects and periods to items. */
const BASIL = "2025-03-31";

/** True when records carry basil's shapes (no `charge.invoice`, `/v1/invoice_payments` exists). */
export function hasInvoicePayments(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) >= BASIL;
}
