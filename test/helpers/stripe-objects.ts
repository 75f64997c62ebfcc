/** The Stripe object each file of a world (and each staging table `stripe__<file>`) holds. */
export const STRIPE_OBJECT_OF_FILE: Record<string, string> = {
  customers: "customer",
  subscriptions: "subscription",
  invoices: "invoice",
  charges: "charge",
  refunds: "refund",
  credit_notes: "credit_note",
  invoice_payments: "invoice_payment",
};
