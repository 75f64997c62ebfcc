import {
  completeRecord,
  shapeVersion,
  STRIPE_ACACIA_API_VERSION,
  STRIPE_WORLD_API_VERSION,
} from "../../world/stripe-records.js";
import type { MemoryWorldStore } from "../store.js";

type Rec = Record<string, unknown>;

/** `2024-06-20`, `2025-09-30.clover`…: what Stripe accepts in the `Stripe-Version` header. */
export const VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

/** True when `apiVersion` is answered in the world's own (basil and later) shapes. */
export function servesWorldShapes(apiVersion: string): boolean {
  return shapeVersion(apiVersion) === STRIPE_WORLD_API_VERSION;
}

function items(list: unknown): Rec[] {
  return ((list as { data?: Rec[] } | null | undefined)?.data ?? []).slice();
}

/**
 * Renders the world's clover records as a pre-basil (acacia) version returns them: the links
 * basil moved are put back where acacia had them (`charge.invoice` and `invoice.charge` /
 * `payment_intent` from the invoice payments, `invoice.subscription` from `parent`, the
 * subscription's period from its first item, `credit_note.refund` from `refunds`), and every
 * field is the acacia set.
 */
export class AcaciaRenderer {
  private index?: {
    version: number;
    byIntent: Map<string, Rec>;
    byInvoice: Map<string, Rec[]>;
    chargeByIntent: Map<string, string>;
  };

  constructor(private readonly store: MemoryWorldStore) {}

  private links() {
    const version = this.store.changes.length;
    if (this.index?.version === version) return this.index;
    const byIntent = new Map<string, Rec>();
    const byInvoice = new Map<string, Rec[]>();
    for (const ip of this.store.list("stripe", "invoice_payments")) {
      const pi = (ip.payment as { payment_intent?: unknown } | null)?.payment_intent;
      if (typeof pi === "string") byIntent.set(pi, ip);
      const inv = String(ip.invoice);
      byInvoice.set(inv, [...(byInvoice.get(inv) ?? []), ip]);
    }
    const chargeByIntent = new Map<string, string>();
    for (const ch of this.store.list("stripe", "charges"))
      if (typeof ch.payment_intent === "string" && ch.status === "succeeded")
        chargeByIntent.set(ch.payment_intent, String(ch.id));
    this.index = { version, byIntent, byInvoice, chargeByIntent };
    return this.index;
  }

  render(object: string, rec: Rec): Rec {
    const v = STRIPE_ACACIA_API_VERSION;
    const url = `/v1/${object}/${String(rec.id)}`;
    switch (rec.object) {
      case "charge": {
        const ip =
          typeof rec.payment_intent === "string" ? this.links().byIntent.get(rec.payment_intent) : undefined;
        return completeRecord("charge", v, { ...rec, invoice: ip?.invoice ?? null }, url);
      }
      case "invoice": {
        const { byInvoice, chargeByIntent } = this.links();
        const pays = byInvoice.get(String(rec.id)) ?? [];
        const paid = pays.find((p) => p.status === "paid") ?? pays[0];
        const pi = (paid?.payment as { payment_intent?: string } | undefined)?.payment_intent ?? null;
        const parent = rec.parent as {
          subscription_details?: { subscription?: unknown; metadata?: unknown };
        } | null;
        const taxes = (rec.total_taxes as { amount: number; taxable_amount?: number }[] | null) ?? [];
        return completeRecord(
          "invoice",
          v,
          {
            ...rec,
            subscription: parent?.subscription_details?.subscription ?? rec.subscription ?? null,
            subscription_details: parent?.subscription_details
              ? { metadata: parent.subscription_details.metadata ?? {} }
              : null,
            paid: rec.status === "paid",
            paid_out_of_band: false,
            payment_intent: pi,
            charge: pi ? (chargeByIntent.get(pi) ?? null) : null,
            tax: taxes.length ? taxes.reduce((s, t) => s + t.amount, 0) : null,
            total_tax_amounts: taxes.map((t) => ({ amount: t.amount, inclusive: false, tax_rate: null })),
            lines: this.lines(rec.lines),
          },
          url,
        );
      }
      case "subscription": {
        const first = items(rec.items)[0];
        return completeRecord(
          "subscription",
          v,
          {
            ...rec,
            current_period_start: first?.current_period_start ?? null,
            current_period_end: first?.current_period_end ?? null,
            items: rec.items
              ? {
                  ...(rec.items as Rec),
                  data: items(rec.items).map((it) => completeRecord("subscription_item", v, it)),
                }
              : rec.items,
          },
          url,
        );
      }
      case "credit_note": {
        const refunds = (rec.refunds as { refund?: unknown }[] | null) ?? [];
        return completeRecord(
          "credit_note",
          v,
          { ...rec, refund: refunds[0]?.refund ?? null, tax_amounts: [] },
          url,
        );
      }
      case "customer":
      case "refund":
        return completeRecord(String(rec.object), v, rec, url);
      case "line_item":
        return this.line(rec);
      default:
        return rec;
    }
  }

  private line(l: Rec): Rec {
    const parent = l.parent as { type?: string } | null;
    const sub = parent?.type === "subscription_item_details";
    return completeRecord("line_item", STRIPE_ACACIA_API_VERSION, {
      ...l,
      type: sub ? "subscription" : "invoiceitem",
      proration: false,
      proration_details: { credited_items: null },
      tax_amounts: [],
      tax_rates: [],
    });
  }

  private lines(list: unknown): unknown {
    const l = list as { data?: Rec[] } | null | undefined;
    return l && Array.isArray(l.data) ? { ...l, data: l.data.map((x) => this.line(x)) } : list;
  }
}
