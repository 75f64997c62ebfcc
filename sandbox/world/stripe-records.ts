import reference from "./reference/stripe-fields.json" with { type: "json" };
import {
  chargeNested,
  invoiceNested,
  itemPriceAndPlan,
  lineNested,
  REFUND_DESTINATION,
  subscriptionNested,
} from "./stripe-nested.js";

/**
 * Stripe records in the shapes of one API version. The generator builds each object with the
 * values it decides (amounts, links, dates) and this module makes the record Stripe would return:
 * every top-level field of that version (from the snapshot of Stripe's own fixtures in
 * reference/stripe-fields.json), the ones the world has no value for as Stripe's empty values
 * (null, false, 0, [] or an empty list), and no field the version does not have. Nested objects
 * the record has (and arrays of them) get the keys of their shape in that version the same way,
 * recursively; a nested object the world gives no value stays null, as Stripe returns the ones
 * for features not in use.
 */

/** The version world files are written in, and the one the emulator answers in without a header. */
export const STRIPE_WORLD_API_VERSION = "2025-09-30.clover";
/** The pre-basil version the emulator also renders (Stripe's 2024-06-20, the first acacia). */
export const STRIPE_ACACIA_API_VERSION = "2024-06-20";

export type StripeFieldKind =
  "null" | "string" | "integer" | "number" | "boolean" | "array" | "list" | "object";
/**
 * A nested value's shape: a kind (`id`: an expandable reference, `object`: a map with no fixed
 * keys), an object's keys (`optional` ones only there when its type names them) or an array's item.
 */
export type StripeShape =
  | StripeFieldKind
  | "id"
  | { object: Record<string, StripeShape>; optional?: Record<string, StripeShape> }
  | { array: StripeShape };
type Rec = Record<string, unknown>;

const VERSIONS = reference.versions as unknown as Record<
  string,
  {
    source: { repo: string; path: string; commit: string };
    objects: Record<string, Record<string, StripeFieldKind>>;
    nested: Record<string, Record<string, StripeShape>>;
  }
>;

/** The snapshot version whose shapes answer a requested version (basil and later: clover's). */
export function shapeVersion(apiVersion: string): string {
  return apiVersion.slice(0, 10) >= "2025-03-31" ? STRIPE_WORLD_API_VERSION : STRIPE_ACACIA_API_VERSION;
}

/** Top-level field names and kinds of `object` (Stripe's `object` value) in a snapshot version. */
export function stripeFields(version: string, object: string): Record<string, StripeFieldKind> {
  const fields = VERSIONS[shapeVersion(version)]?.objects[object];
  if (!fields) throw new Error(`no Stripe field snapshot for ${object} in ${version}`);
  return fields;
}

const nestedCache = new Map<string, Record<string, StripeShape>>();

/**
 * The shapes of `object`'s fields that are objects or arrays of objects in a snapshot version. A
 * field the version's fixture shows as null (its example has no value: acacia's charge.outcome,
 * invoice.rendering) takes its shape from the other version's fixture, the only facts there are.
 */
export function stripeNested(version: string, object: string): Record<string, StripeShape> {
  const key = `${shapeVersion(version)} ${object}`;
  let out = nestedCache.get(key);
  if (out) return out;
  const own = VERSIONS[shapeVersion(version)]!;
  const others = Object.values(VERSIONS).filter((v) => v !== own);
  out = {};
  for (const [name, kind] of Object.entries(stripeFields(version, object))) {
    const shape =
      own.nested[object]?.[name] ??
      (kind === "null" ? others.map((v) => v.nested[object]?.[name]).find(Boolean) : undefined);
    if (shape) out[name] = shape;
  }
  nestedCache.set(key, out);
  return out;
}

// Integer fields that hold a time or a count of attempts are null until they happen, not 0.
const NULLABLE_INTEGER = /(_at|_date|_attempt|_end|_start|_number)$/;

function empty(kind: StripeFieldKind | "id", name: string, url: string): unknown {
  if (name === "metadata") return {};
  switch (kind) {
    case "boolean":
      return false;
    case "integer":
    case "number":
      return NULLABLE_INTEGER.test(name) ? null : 0;
    case "array":
      return [];
    case "list":
      return { object: "list", data: [], has_more: false, total_count: 0, url: `${url}/${name}` };
    default:
      return null;
  }
}

/**
 * `rec` with exactly the top-level fields of its object in `version`, in the snapshot's order:
 * the values it has, Stripe's empty values for the rest; fields the version lacks are dropped.
 */
export function completeRecord(object: string, version: string, rec: Rec, url = ""): Rec {
  const out: Rec = {};
  const nested = stripeNested(version, object);
  for (const [name, kind] of Object.entries(stripeFields(version, object))) {
    const shape = nested[name];
    out[name] = !(name in rec) ? empty(kind, name, url) : shape ? conform(shape, rec[name]) : rec[name];
  }
  return out;
}

/** `v` with the keys of `shape`: its values, empty ones for the rest, none the shape lacks. */
function conform(shape: StripeShape, v: unknown): unknown {
  if (typeof shape === "string" || v === null || typeof v !== "object") return v;
  if ("array" in shape) return Array.isArray(v) ? v.map((x) => conform(shape.array, x)) : v;
  if (Array.isArray(v)) return v;
  const rec = v as Rec;
  const out: Rec = {};
  for (const [key, s] of Object.entries(shape.object))
    out[key] =
      key in rec
        ? conform(s, rec[key])
        : typeof s === "string"
          ? empty(s, key, "")
          : "array" in s
            ? []
            : null;
  for (const [key, s] of Object.entries(shape.optional ?? {}))
    if (key in rec) out[key] = conform(s, rec[key]);
  return out;
}

function withLines(list: unknown, fill: (r: Rec) => Rec): unknown {
  const l = list as { data?: Rec[] } | null | undefined;
  return l && Array.isArray(l.data) ? { ...l, data: l.data.map(fill) } : list;
}

/** The generator's objects, as the world files hold them (clover shapes). */
export interface StripeWorldObjects {
  customers: Rec[];
  subscriptions: Rec[];
  invoices: Rec[];
  charges: Rec[];
  refunds: Rec[];
  creditNotes: Rec[];
}

/**
 * The generator's objects (built with pre-basil links: `charge.invoice`, `invoice.subscription`,
 * the subscription's own period) in clover's shapes: a charge reaches its invoice through its
 * payment intent and the invoice's `invoice_payment`, the subscription through `parent`, periods
 * sit on the subscription items. Returns the world's invoice payments too.
 */
export function toWorldShapes(x: StripeWorldObjects): StripeWorldObjects & { invoicePayments: Rec[] } {
  const v = STRIPE_WORLD_API_VERSION;
  const invoicePayments: Rec[] = [];
  const customerById = new Map(x.customers.map((c) => [c.id, c]));
  const charges = x.charges.map((ch) => {
    const pi = `pi_${String(ch.id).slice(3)}`;
    if (typeof ch.invoice === "string") {
      const paid = ch.status === "succeeded";
      invoicePayments.push(
        completeRecord("invoice_payment", v, {
          id: `inpay_${String(ch.id).slice(3)}`,
          object: "invoice_payment",
          amount_paid: paid ? ch.amount : null,
          amount_requested: ch.amount,
          created: ch.created,
          currency: ch.currency,
          invoice: ch.invoice,
          is_default: true,
          livemode: false,
          payment: { type: "payment_intent", payment_intent: pi },
          status: paid ? "paid" : "open",
          status_transitions: { canceled_at: null, paid_at: paid ? ch.created : null },
        }),
      );
    }
    return completeRecord(
      "charge",
      v,
      {
        ...ch,
        ...chargeNested(ch, customerById.get(ch.customer)),
        payment_intent: pi,
        refunds: {
          object: "list",
          data: [],
          has_more: false,
          total_count: 0,
          url: `/v1/charges/${String(ch.id)}/refunds`,
        },
      },
      `/v1/charges/${String(ch.id)}`,
    );
  });
  const subscriptions = x.subscriptions.map((s) =>
    completeRecord(
      "subscription",
      v,
      {
        ...s,
        ...subscriptionNested(s),
        billing_cycle_anchor: s.current_period_start ?? s.start_date,
        items: withLines(s.items, (it) =>
          completeRecord("subscription_item", v, {
            ...it,
            ...itemPriceAndPlan((it.price ?? {}) as Rec, s.created),
            created: s.created,
            subscription: s.id,
            current_period_start: s.current_period_start,
            current_period_end: s.current_period_end,
            metadata: {},
            tax_rates: [],
          }),
        ),
      },
      `/v1/subscriptions/${String(s.id)}`,
    ),
  );
  const invoices = x.invoices.map((inv) => {
    const tax = Number(inv.tax ?? 0);
    const sub = typeof inv.subscription === "string" ? inv.subscription : null;
    return completeRecord(
      "invoice",
      v,
      {
        ...inv,
        ...invoiceNested(),
        subscription: null,
        parent: sub
          ? {
              type: "subscription_details",
              quote_details: null,
              subscription_details: { metadata: {}, subscription: sub, subscription_proration_date: null },
            }
          : null,
        subtotal_excluding_tax: inv.subtotal,
        total_excluding_tax: Number(inv.total) - tax,
        starting_balance: 0,
        total_taxes: tax
          ? [
              {
                amount: tax,
                tax_behavior: "exclusive",
                tax_rate_details: null,
                taxability_reason: "standard_rated",
                taxable_amount: inv.subtotal,
                type: "tax_rate_details",
              },
            ]
          : [],
        lines: withLines(inv.lines, (l) =>
          completeRecord("line_item", v, {
            ...l,
            ...lineNested(l),
            metadata: {},
            discountable: true,
          }),
        ),
      },
      `/v1/invoices/${String(inv.id)}`,
    );
  });
  const customers = x.customers.map((c) => completeRecord("customer", v, { invoice_settings: {}, ...c }));
  const refunds = x.refunds.map((r) =>
    completeRecord("refund", v, { metadata: {}, ...REFUND_DESTINATION, ...r }),
  );
  const creditNotes = x.creditNotes.map((cn) =>
    completeRecord(
      "credit_note",
      v,
      {
        subtotal: cn.amount,
        total: cn.amount,
        ...cn,
        refunds:
          typeof cn.refund === "string"
            ? [{ amount_refunded: cn.amount, refund: cn.refund, type: "refund" }]
            : [],
      },
      `/v1/credit_notes/${String(cn.id)}`,
    ),
  );
  return { customers, subscriptions, invoices, charges, refunds, creditNotes, invoicePayments };
}
