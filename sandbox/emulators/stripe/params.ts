import type { SandboxRequest, SandboxResponse } from "../interfaces.js";

/** What the Stripe emulator's routes share: its resources, error body, query parameters and order. */

type Rec = Record<string, unknown>;

/** List endpoint → world file and Stripe's event type prefix. */
export const TYPES: Record<string, { object: string; event: string }> = {
  customers: { object: "customers", event: "customer" },
  subscriptions: { object: "subscriptions", event: "customer.subscription" },
  invoices: { object: "invoices", event: "invoice" },
  charges: { object: "charges", event: "charge" },
  refunds: { object: "refunds", event: "refund" },
  credit_notes: { object: "credit_notes", event: "credit_note" },
  invoice_payments: { object: "invoice_payments", event: "invoice_payment" },
};
export function err(status: number, type: string, message: string, extra: Rec = {}): SandboxResponse {
  return { status, body: { error: { type, message, ...extra } } };
}

export function str(q: SandboxRequest["query"], k: string): string | undefined {
  const v = q[k];
  return Array.isArray(v) ? v[0] : v;
}

export function list(q: SandboxRequest["query"], k: string): string[] {
  const v = q[k] ?? q[`${k}[]`];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `created`, `created[gt]`… as a predicate on unix seconds. */
export function createdFilter(q: SandboxRequest["query"]): ((t: number) => boolean) | undefined {
  const eq = str(q, "created");
  const gt = str(q, "created[gt]");
  const gte = str(q, "created[gte]");
  const lt = str(q, "created[lt]");
  const lte = str(q, "created[lte]");
  if ([eq, gt, gte, lt, lte].every((v) => v === undefined)) return undefined;
  return (t) =>
    (eq === undefined || t === Number(eq)) &&
    (gt === undefined || t > Number(gt)) &&
    (gte === undefined || t >= Number(gte)) &&
    (lt === undefined || t < Number(lt)) &&
    (lte === undefined || t <= Number(lte));
}

/** Newest first, then by id descending: Stripe's order, stable for paging. */
export function byCreatedDesc(a: Rec, b: Rec): number {
  const d = Number(b.created) - Number(a.created);
  return d !== 0 ? d : String(b.id) < String(a.id) ? -1 : String(b.id) > String(a.id) ? 1 : 0;
}
