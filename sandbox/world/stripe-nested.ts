/**
 * The nested objects Stripe returns on every record of a kind, with the values the world decides
 * (a charge's outcome from its status, the billing email from its customer, an item's plan from
 * its price) and Stripe's defaults for an account that uses no optional feature (automatic tax
 * off, the platform as issuer, classic billing mode). The keys they leave out are filled by
 * `completeRecord` from the snapshot of Stripe's fixtures, with null, false, 0 or []; objects
 * Stripe returns only when a feature is in use (a discount, a pause, shipping, a 3-D Secure
 * result, a transfer) are not given here and stay null.
 */

type Rec = Record<string, unknown>;

/** A charge's billing details, outcome and card, as a card payment made through a PaymentIntent. */
export function chargeNested(ch: Rec, customer: Rec | undefined): Rec {
  const ok = ch.status === "succeeded";
  const year = new Date(Number(ch.created) * 1000).getUTCFullYear();
  return {
    billing_details: {
      address: {},
      email: customer?.email ?? null,
      name: customer?.name ?? null,
    },
    fraud_details: {},
    outcome: ok
      ? {
          network_status: "approved_by_network",
          reason: null,
          seller_message: "Payment complete.",
          type: "authorized",
        }
      : {
          network_status: "declined_by_network",
          reason: "generic_decline",
          seller_message: "The bank did not return any further details with this decline.",
          type: "issuer_declined",
        },
    payment_method_details: {
      type: "card",
      card: {
        amount_authorized: ok ? ch.amount : null,
        brand: "visa",
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
        country: "US",
        exp_month: 12,
        exp_year: year + 3,
        extended_authorization: { status: "disabled" },
        fingerprint: `fp${String(ch.customer ?? ch.id).slice(4, 18)}`,
        funding: "credit",
        incremental_authorization: { status: "unavailable" },
        last4: "4242",
        multicapture: { status: "unavailable" },
        network: "visa",
        network_token: { used: false },
        overcapture: { maximum_amount_capturable: ch.amount, status: "unavailable" },
        regulated_status: "unregulated",
      },
    },
  };
}

/** A subscription's settings on an account without automatic tax or custom invoice settings. */
export function subscriptionNested(s: Rec): Rec {
  return {
    automatic_tax: { enabled: false, liability: null },
    billing_mode: { type: "classic" },
    cancellation_details: {
      comment: null,
      feedback: null,
      reason: s.status === "canceled" ? "cancellation_requested" : null,
    },
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    payment_settings: { save_default_payment_method: "off" },
    trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
  };
}

/** A subscription item's price in full, and the plan Stripe still mirrors it as. */
export function itemPriceAndPlan(price: Rec, created: unknown): Rec {
  const recurring = (price.recurring ?? {}) as Rec;
  const amount = price.unit_amount ?? null;
  const decimal = amount === null ? null : String(amount);
  return {
    price: {
      active: true,
      billing_scheme: "per_unit",
      created,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      tax_behavior: "unspecified",
      type: "recurring",
      unit_amount_decimal: decimal,
      ...price,
      recurring: { meter: null, trial_period_days: null, usage_type: "licensed", ...recurring },
    },
    plan: {
      id: price.id,
      object: "plan",
      active: true,
      amount,
      amount_decimal: decimal,
      billing_scheme: "per_unit",
      created,
      currency: price.currency,
      interval: recurring.interval ?? null,
      interval_count: recurring.interval_count ?? 1,
      livemode: false,
      metadata: {},
      product: price.product ?? null,
      usage_type: "licensed",
    },
  };
}

/** An invoice's tax, issuer, payment and rendering settings (automatic tax off, the account issues). */
export function invoiceNested(): Rec {
  return {
    automatic_tax: { enabled: false, liability: null, status: null },
    issuer: { type: "self" },
    payment_settings: {},
    rendering: { pdf: { page_size: "auto" } },
  };
}

/** An invoice line's parent (its subscription item or its invoice item) and pricing. */
export function lineNested(l: Rec): Rec {
  const unit = Number(l.amount) / Number(l.quantity || 1);
  const details = { proration: false, proration_details: { credited_items: null } };
  return {
    parent:
      l.type === "subscription"
        ? {
            type: "subscription_item_details",
            invoice_item_details: null,
            subscription_item_details: { ...details, subscription: l.subscription, invoice_item: null },
          }
        : {
            type: "invoice_item_details",
            invoice_item_details: { ...details, invoice_item: null, subscription: null },
            subscription_item_details: null,
          },
    pricing: { type: "price_details", unit_amount_decimal: Number.isInteger(unit) ? String(unit) : null },
  };
}

/** Where a card refund went. */
export const REFUND_DESTINATION = { destination_details: { type: "card", card: { type: "refund" } } };
