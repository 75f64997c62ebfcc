export const STRIPE_STREAMS = [
  "customers",
  "subscriptions",
  "invoices",
  "charges",
  "refunds",
  "credit_notes",
  "invoice_payments",
] as const;

/** Stripe's event type prefix for each list (subscriptions are `customer.subscription.*`). */
export const EVENT_PREFIX: Record<string, string> = {
  customers: "customer",
  subscriptions: "customer.subscription",
  invoices: "invoice",
  charges: "charge",
  refunds: "refund",
  credit_notes: "credit_note",
  invoice_payments: "invoice_payment",
};

/** Stripe keeps events for 30 days; a cursor older than that cannot be caught up through events. */
export const EVENT_RETENTION_SECONDS = 30 * 86_400;
