import {
  DAY,
  NS_CURRENCY,
  nsDateTime,
  sfDateTime,
  type Contract,
  type Customer,
  type Entity,
  type Ids,
  type Tier,
} from "./context.js";
import { isoDate, major, nsDate, unix } from "./format.js";
import type { Rng } from "./rng.js";

/** One record of each vendor's shape, as the generator's parts build them (the fields that matter). */

export function sfAccount(
  id: string,
  name: string,
  domain: string,
  createdAt: number,
  parentId: string | undefined,
  rng: Rng,
) {
  return {
    Id: id,
    Name: name,
    Website: rng.pick([
      `https://www.${domain}`,
      `http://${domain}`,
      `www.${domain}`,
      domain,
      `https://${domain}/`,
    ]),
    ParentId: parentId ?? null,
    OwnerId: `005${"0".repeat(10)}${String(rng.int(1, 25)).padStart(5, "0")}`,
    Type: "Customer",
    Industry: rng.pick(["Technology", "Retail", "Finance", "Healthcare", "Manufacturing"]),
    CurrencyIsoCode: "USD",
    Account_Number__c: `000${String(rng.int(1, 999_999_999)).padStart(15, "0")}`,
    // Custom fields reverse ETL fills (the example config's salesforce_account_health sync);
    // empty in the source org, as Salesforce returns unset fields: null.
    Billing_Status__c: null,
    Overdue_Amount__c: null,
    Last_Payment_Date__c: null,
    ARR__c: null,
    Health_Score__c: null,
    // An external-id field (unique, idLookup) for syncs in upsert/mirror mode to match on.
    Trueup_Key__c: null,
    CreatedDate: sfDateTime(createdAt),
    SystemModstamp: sfDateTime(createdAt + rng.int(0, 3600) * 1000),
    IsDeleted: false,
  };
}

export function sfOpportunity(
  id: string,
  accountId: string,
  stage: string,
  amountMinor: number,
  currency: string,
  closeAt: number,
  start: number | undefined,
  end: number | undefined,
  tier: Tier,
) {
  return {
    Id: id,
    AccountId: accountId,
    Name: `${stage === "Closed Won" ? "Subscription" : "Deal"} ${isoDate(closeAt).slice(0, 7)}`,
    StageName: stage,
    Amount: Number(major(amountMinor, currency)),
    CurrencyIsoCode: currency,
    CloseDate: isoDate(closeAt),
    IsClosed: stage.startsWith("Closed"),
    IsWon: stage === "Closed Won",
    Contract_Start_Date__c: start === undefined ? null : isoDate(start),
    Contract_End_Date__c: end === undefined ? null : isoDate(end),
    Support_Tier__c: tier,
    CreatedDate: sfDateTime(closeAt - 20 * DAY),
    SystemModstamp: sfDateTime(closeAt),
    IsDeleted: false,
  };
}

export function stripeCustomer(
  id: string,
  name: string,
  email: string,
  createdAt: number,
  sfId: string | undefined,
  entity: Entity,
  currency: string,
) {
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created: unix(createdAt),
    currency: currency.toLowerCase(),
    delinquent: false,
    description: null,
    email,
    invoice_prefix: id.slice(4, 12).toUpperCase(),
    livemode: false,
    metadata: sfId ? { salesforce_account_id: sfId, entity } : { entity },
    name,
  };
}

export function stripeCharge(
  id: string,
  c: Customer,
  invoiceId: string,
  amount: number,
  status: string,
  at: number,
  refunded: number,
) {
  return {
    id,
    object: "charge",
    amount,
    amount_captured: status === "succeeded" ? amount : 0,
    amount_refunded: refunded,
    balance_transaction: status === "succeeded" ? `txn_${id.slice(3)}` : null,
    captured: status === "succeeded",
    created: unix(at),
    currency: c.currency.toLowerCase(),
    customer: c.stripeId,
    invoice: invoiceId,
    livemode: false,
    paid: status === "succeeded",
    refunded: false,
    status,
    failure_code: status === "failed" ? "card_declined" : null,
    failure_message: status === "failed" ? "Your card was declined." : null,
    metadata: {},
  };
}

export function invoiceLines(
  rng: Rng,
  ids: Ids,
  invoiceId: string,
  subtotal: number,
  currency: string,
  k: Contract,
  count: number,
) {
  const parts: number[] = [];
  let left = subtotal;
  for (let i = 0; i < count - 1; i++) {
    const p = Math.floor(left / (count - i) / (currency === "JPY" ? 1 : 1));
    parts.push(p);
    left -= p;
  }
  parts.push(left);
  return parts.map((amount, i) => ({
    id: `il_${ids.stripe("x", 20).slice(2)}`,
    object: "line_item",
    amount,
    currency: currency.toLowerCase(),
    description: i === 0 ? `${k.quantity} × seat (${k.interval}ly)` : `Usage ${i}`,
    invoice: invoiceId,
    period: { start: unix(k.start), end: unix(k.end) },
    quantity: i === 0 ? k.quantity : 1,
    subscription: k.subId ?? null,
    type: i === 0 ? "subscription" : "invoiceitem",
  }));
}

export function stripeInvoice(x: {
  id: string;
  number: string;
  c: Customer;
  created: number;
  subtotal: number;
  tax: number;
  total: number;
  status: string;
  finalizedAt?: number;
  paidAt?: number;
  dueAt?: number;
  subId?: string;
  lines: Record<string, unknown>[];
}) {
  const paid = x.status === "paid";
  return {
    id: x.id,
    object: "invoice",
    account_country: x.c.entity === "us" ? "US" : "DE",
    amount_due: x.total,
    amount_paid: paid ? x.total : 0,
    amount_remaining: paid || x.status === "void" ? 0 : x.total,
    billing_reason: "subscription_cycle",
    collection_method: "charge_automatically",
    created: unix(x.created),
    currency: x.c.currency.toLowerCase(),
    customer: x.c.stripeId,
    due_date: x.dueAt ? unix(x.dueAt) : null,
    lines: {
      object: "list",
      data: x.lines,
      has_more: false,
      total_count: x.lines.length,
      url: `/v1/invoices/${x.id}/lines`,
    },
    livemode: false,
    metadata: {},
    number: x.status === "draft" ? null : x.number,
    paid,
    period_start: unix(x.created),
    period_end: unix(x.created),
    status: x.status,
    status_transitions: {
      finalized_at: x.finalizedAt ? unix(x.finalizedAt) : null,
      marked_uncollectible_at: null,
      paid_at: x.paidAt ? unix(x.paidAt) : null,
      voided_at: null,
    },
    subscription: x.subId ?? null,
    subtotal: x.subtotal,
    tax: x.tax,
    total: x.total,
  };
}

export function nsTransaction(x: {
  id: string;
  tranid: string;
  type: string;
  entity: string;
  at: number;
  due?: number;
  /** Left out where SuiteQL returns none (customer refunds here). */
  status?: string;
  currency: string;
  total: number;
  externalid: string;
  memo: string;
}) {
  return {
    id: x.id,
    tranid: x.tranid,
    type: x.type,
    entity: x.entity,
    trandate: nsDate(x.at),
    duedate: x.due === undefined ? undefined : nsDate(x.due),
    status: x.status,
    currency: NS_CURRENCY[x.currency],
    foreigntotal: major(x.total, x.currency),
    externalid: x.externalid || undefined,
    memo: x.memo || undefined,
    createddate: nsDateTime(x.at),
    lastmodifieddate: nsDateTime(x.at + 3600_000),
    links: [],
  };
}
