import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  erpDate,
  isoDate,
  isoDateTime,
  major,
  majorComma,
  nsDate,
  nsDateTime as nsDateTimeUnclamped,
  sfDateTime as sfDateTimeUnclamped,
  unix,
} from "./format.js";
import { companyName, personName, spellingVariant, ticketSubject, type CompanyName } from "./names.js";
import { Rng } from "./rng.js";
import { fullNetsuiteRow } from "./netsuite.js";
import { fullSalesforceRecord } from "./salesforce.js";
import { toWorldShapes } from "./stripe-records.js";
import type { Truth, TruthDiscrepancy, TruthLink } from "./truth.js";
import { JsonlWriter } from "./writer.js";
import { fullOrganization, fullTicket } from "./zendesk.js";

/**
 * Nothing in a world was modified after its as_of: the vendors' clocks cannot run ahead of "now",
 * and an incremental cursor taken from a future timestamp would skip every later edit.
 */
let latestStamp = Number.POSITIVE_INFINITY;
const sfDateTime = (ms: number) => sfDateTimeUnclamped(Math.min(ms, latestStamp));
const nsDateTime = (ms: number) => nsDateTimeUnclamped(Math.min(ms, latestStamp));

/**
 * The world generator: a SaaS company's revenue data across Salesforce, Stripe, NetSuite, the
 * legacy ERP's CSV exports and Zendesk, shaped as each vendor's API returns it, plus truth.json:
 * every discrepancy injected on purpose, and the record ids of each real customer per system.
 *
 * A world is a pure function of (seed, scale, as_of): one PRNG stream per concern, sequential
 * ids, stable order, so the same inputs give byte-identical files. docs/sandbox-world.md states
 * the rules a correct pipeline must follow to find exactly truth.json.
 */
export interface GenerateOptions {
  seed: number;
  scale: number;
  out: string;
  asOf?: string;
}

export interface WorldSummary {
  dir: string;
  files: Record<string, number>;
  discrepancies: Record<string, number>;
  links: number;
}

const DAY = 86_400_000;
/** Posting and settlement window of the default config (CONTRACTS §3). */
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

type Entity = "us" | "eu";
type Tier = "none" | "standard" | "premium";

interface Customer {
  n: number;
  entity: Entity;
  currency: string;
  name: CompanyName;
  createdAt: number;
  sfId?: string;
  sfDupId?: string;
  stripeId?: string;
  stripeDupId?: string;
  nsId?: string;
  erpNo?: string;
  zdId?: number;
  parentSfId?: string;
  freeMail: boolean;
}

interface Contract {
  oppId: string;
  customer: Customer;
  start: number;
  end: number;
  tier: Tier;
  interval: "month" | "year";
  unitMinor: number;
  quantity: number;
  subId?: string;
  linkedByOpp: boolean;
}

const CURRENCIES = ["USD", "EUR", "GBP", "JPY"] as const;
const NS_CURRENCY: Record<string, string> = { USD: "1", EUR: "2", GBP: "3", JPY: "4" };
const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com"];

class Ids {
  private counters = new Map<string, number>();
  constructor(private readonly rng: Rng) {}
  next(kind: string, start = 1): number {
    const n = this.counters.get(kind) ?? start;
    this.counters.set(kind, n + 1);
    return n;
  }
  /** Salesforce 18-character id: key prefix + 15 random + 3 check characters. */
  sf(prefix: string): string {
    return `${prefix}${this.rng.chars(12)}${this.rng.chars(3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")}`;
  }
  stripe(prefix: string, len = 24): string {
    return `${prefix}_${this.rng.chars(len)}`;
  }
}

export async function generateWorld(options: GenerateOptions): Promise<WorldSummary> {
  if (!(options.scale > 0)) throw new Error(`scale must be positive, got ${options.scale}`);
  const asOfIso = options.asOf ?? "2026-11-22T00:00:00Z";
  const asOf = Date.parse(asOfIso);
  if (Number.isNaN(asOf)) throw new Error(`as_of is not a date-time: ${asOfIso}`);
  latestStamp = asOf - 2 * 60_000;
  const seed = Math.trunc(options.seed);
  const dir = path.resolve(options.out);
  await fs.mkdir(dir, { recursive: true });

  // One stream per concern: adding records of one kind never shifts another kind's randomness.
  const r = {
    customers: new Rng(seed, 1),
    ids: new Rng(seed, 2),
    contracts: new Rng(seed, 3),
    invoices: new Rng(seed, 4),
    erp: new Rng(seed, 5),
    tickets: new Rng(seed, 6),
    fx: new Rng(seed, 7),
    inject: new Rng(seed, 8),
    misc: new Rng(seed, 9),
    credits: new Rng(seed, 10),
  };
  const ids = new Ids(r.ids);
  const w = new JsonlWriter(dir);
  const truth: TruthDiscrepancy[] = [];
  const links: TruthLink[] = [];
  const flag = (category: TruthDiscrepancy["category"], key: string, detail: Record<string, unknown> = {}) =>
    truth.push({ category, key, ...detail });

  const nCustomers = Math.max(8, Math.round(1000 * options.scale));
  const start = asOf - 730 * DAY;

  // ---------------------------------------------------------------- customers
  const taken = new Set<string>();
  const customers: Customer[] = [];
  for (let n = 0; n < nCustomers; n++) {
    const rc = r.customers;
    const entity: Entity = rc.chance(0.7) ? "us" : "eu";
    const currency = entity === "us" ? (rc.chance(0.85) ? "USD" : "JPY") : rc.chance(0.7) ? "EUR" : "GBP";
    // A few "twins": a different company whose trading name is the same as an earlier one's.
    let name = companyName(rc, entity, taken);
    if (customers.length > 10 && rc.chance(0.03)) {
      const twin = rc.pick(customers).name;
      const domain = `${twin.base.toLowerCase().replace(/[^a-z0-9]+/g, "")}-${rc.pick(["group", "hq", "global", "intl"])}.${entity === "us" ? "com" : "eu"}`;
      if (!taken.has(domain)) {
        taken.add(domain);
        name = {
          base: twin.base,
          legal: `${twin.base} ${entity === "us" ? "Holdings Inc." : "Holding GmbH"}`,
          domain,
        };
      }
    }
    const c: Customer = {
      n,
      entity,
      currency,
      name,
      createdAt: start + rc.int(0, 460) * DAY + rc.int(0, 86_399) * 1000,
      freeMail: rc.chance(0.01),
    };
    if (rc.chance(0.96)) c.sfId = ids.sf("001");
    if (rc.chance(0.93)) c.stripeId = ids.stripe("cus", 14);
    if (c.stripeId) {
      if (entity === "us") c.nsId = String(ids.next("ns-customer", 1000));
      else c.erpNo = `C-${ids.next("erp-customer", 10001)}`;
    }
    if (rc.chance(0.82)) c.zdId = 360_000_000_000 + ids.next("zd-org", 1) * 7;
    customers.push(c);
  }
  // Parent/child: some CRM accounts are subsidiaries of another (different customers, own domains).
  for (const c of customers) {
    if (c.sfId && r.customers.chance(0.05)) {
      const parent = customers[r.customers.int(0, customers.length - 1)]!;
      if (parent !== c && parent.sfId) c.parentSfId = parent.sfId;
    }
  }

  // ---------------------------------------------------------------- Salesforce accounts + contacts
  const accounts: Record<string, unknown>[] = [];
  const contacts: Record<string, unknown>[] = [];
  for (const c of customers) {
    if (!c.sfId) continue;
    accounts.push(sfAccount(c.sfId, c.name.base, c.name.domain, c.createdAt, c.parentSfId, r.misc));
    if (r.inject.chance(RATES.duplicateSalesforce)) {
      c.sfDupId = ids.sf("001");
      const dupAt = c.createdAt + r.inject.int(5, 200) * DAY;
      accounts.push(
        sfAccount(
          c.sfDupId,
          spellingVariant(r.inject, c.name),
          c.name.domain,
          Math.min(dupAt, asOf - DAY),
          undefined,
          r.misc,
        ),
      );
      flag("duplicate_customer", `salesforce:${c.sfDupId}`, { duplicate_of: `salesforce:${c.sfId}` });
    }
    for (let k = 0; k < 2; k++) {
      const p = personName(r.misc);
      contacts.push({
        Id: ids.sf("003"),
        AccountId: c.sfId,
        FirstName: p.first,
        LastName: p.last,
        Email: `${p.first.toLowerCase()}.${p.last.toLowerCase().replace(/[^a-z]/g, "")}@${c.name.domain}`,
        CreatedDate: sfDateTime(c.createdAt + DAY),
        SystemModstamp: sfDateTime(c.createdAt + DAY),
        IsDeleted: false,
      });
    }
  }
  // Deleted junk accounts: visible through queryAll only, nobody's customer.
  for (let k = 0; k < Math.max(1, Math.round(nCustomers * 0.01)); k++) {
    const at = start + r.misc.int(0, 700) * DAY;
    accounts.push({
      ...sfAccount(ids.sf("001"), `Test Account ${k + 1}`, `test${k + 1}.invalid`, at, undefined, r.misc),
      IsDeleted: true,
    });
  }

  // ---------------------------------------------------------------- contracts (opportunities + subscriptions)
  const contracts: Contract[] = [];
  const opportunities: Record<string, unknown>[] = [];
  for (const c of customers) {
    if (!c.sfId) continue;
    const rc = r.contracts;
    // Customers without billing only have pipeline, never a closed-won contract.
    let t = c.createdAt + rc.int(5, 30) * DAY;
    const tier: Tier = rc.weighted([
      ["none", 1],
      ["standard", 5],
      ["premium", 2],
    ] as const);
    const interval = rc.chance(0.9) ? "month" : "year";
    const quantity = rc.int(1, 12);
    const unitMinor = c.currency === "JPY" ? rc.int(5, 60) * 1000 : rc.int(20, 400) * 100;
    let first = true;
    while (c.stripeId && t < asOf + 40 * DAY) {
      const months = rc.chance(0.7) ? 12 : 24;
      const end = addMonths(t, months) - DAY;
      const k: Contract = {
        oppId: ids.sf("006"),
        customer: c,
        start: t,
        end,
        tier: first ? tier : rc.chance(0.8) ? tier : rc.pick(["standard", "premium"] as const),
        interval,
        // Renewals may reprice, in whole currency units.
        unitMinor: first
          ? unitMinor
          : roundTo(Math.round((unitMinor * (100 + rc.int(0, 15))) / 100), c.currency === "JPY" ? 1 : 100),
        quantity,
        // A customer billing to a web-mail address cannot be recognised by domain: its subscription
        // always carries the opportunity id, or no engine could pair them.
        linkedByOpp: c.freeMail || rc.chance(0.9),
      };
      contracts.push(k);
      first = false;
      if (end + DAY > asOf || !rc.chance(0.9)) break; // churn or still running
      t = end + DAY;
    }
    // Pipeline that did not close (or not yet).
    const lost = rc.int(0, 2);
    for (let k = 0; k < lost; k++) {
      const at = c.createdAt + rc.int(1, 300) * DAY;
      if (at >= asOf) continue;
      opportunities.push(
        sfOpportunity(
          ids.sf("006"),
          c.sfId,
          rc.pick(["Closed Lost", "Negotiation", "Proposal"]),
          rc.int(50, 900) * 100,
          c.currency,
          at,
          undefined,
          undefined,
          "none",
        ),
      );
    }
  }

  const subscriptions: Record<string, unknown>[] = [];
  const asOfDay = dayOf(asOf);
  for (const k of contracts) {
    const c = k.customer;
    // By calendar day, as a model comparing dates sees it.
    const started = dayOf(k.start) <= asOfDay;
    const annual = k.unitMinor * k.quantity * (k.interval === "month" ? 12 : 1);
    let amountMinor = annual;
    let amountFlagged = false;
    // Injected: the CRM's ACV disagrees with what billing charges (beyond 0.5 %).
    if (k.linkedByOpp && r.inject.chance(RATES.contractAmountMismatch)) {
      amountFlagged = true;
      amountMinor = Math.round(annual * (1 + r.inject.pick([-0.2, -0.1, 0.1, 0.25])));
      flag("contract_amount_mismatch", `salesforce:${k.oppId}`, {
        acv: major(amountMinor, c.currency),
        subscription_annual: major(annual, c.currency),
      });
    } else if (r.inject.chance(0.02)) {
      // Noise: within the 0.5 % tolerance.
      amountMinor = annual + Math.round(annual * 0.002);
    }
    // Drawn even when not used, so the rest of the world stays the same for a seed. A contract
    // whose amount was made to disagree keeps its subscription: one truth entry per contract.
    const missing = r.inject.chance(RATES.contractMissingSubscription) && started && !amountFlagged;
    opportunities.push(
      sfOpportunity(
        k.oppId,
        c.sfId!,
        "Closed Won",
        amountMinor,
        c.currency,
        k.start - r.contracts.int(3, 30) * DAY,
        k.start,
        k.end,
        k.tier,
      ),
    );
    if (missing) {
      flag("contract_missing_subscription", `salesforce:${k.oppId}`, { start: isoDate(k.start) });
      continue;
    }
    k.subId = ids.stripe("sub", 14);
    const ended = dayOf(k.end) < asOfDay;
    subscriptions.push({
      id: k.subId,
      object: "subscription",
      customer: c.stripeId,
      status: ended ? "canceled" : started ? "active" : "trialing",
      currency: c.currency.toLowerCase(),
      created: unix(Math.min(k.start, asOf - DAY) - DAY),
      start_date: unix(k.start),
      current_period_start: unix(k.start),
      current_period_end: unix(k.end),
      cancel_at_period_end: false,
      canceled_at: ended ? unix(k.end) : null,
      ended_at: ended ? unix(k.end) : null,
      collection_method: "charge_automatically",
      items: {
        object: "list",
        data: [
          {
            id: ids.stripe("si", 14),
            object: "subscription_item",
            price: {
              id: ids.stripe("price", 14),
              object: "price",
              currency: c.currency.toLowerCase(),
              unit_amount: k.unitMinor,
              recurring: { interval: k.interval, interval_count: 1 },
              product: `prod_${c.currency === "JPY" ? "JP" : "GL"}${k.tier}`,
            },
            quantity: k.quantity,
          },
        ],
        has_more: false,
        total_count: 1,
        url: `/v1/subscription_items?subscription=${k.subId}`,
      },
      livemode: false,
      metadata: k.linkedByOpp ? { salesforce_opportunity_id: k.oppId } : {},
    });
  }

  // ---------------------------------------------------------------- Stripe customers
  const stripeCustomers: Record<string, unknown>[] = [];
  for (const c of customers) {
    if (!c.stripeId) continue;
    const email = c.freeMail
      ? `${c.name.base.split(" ")[0]!.toLowerCase()}.billing@${r.misc.pick(FREE_MAIL)}`
      : `billing@${c.name.domain}`;
    const linked = c.sfId && !c.freeMail && r.customers.chance(0.85);
    stripeCustomers.push(
      stripeCustomer(
        c.stripeId,
        spellingVariant(r.customers, c.name),
        email,
        c.createdAt + DAY,
        linked ? c.sfId : undefined,
        c.entity,
        c.currency,
      ),
    );
    if (!c.freeMail && r.inject.chance(RATES.duplicateStripe)) {
      c.stripeDupId = ids.stripe("cus", 14);
      stripeCustomers.push(
        stripeCustomer(
          c.stripeDupId,
          c.name.base,
          `accounts@${c.name.domain}`,
          Math.min(c.createdAt + r.inject.int(10, 300) * DAY, asOf - DAY),
          undefined,
          c.entity,
          c.currency,
        ),
      );
      flag("duplicate_customer", `stripe:${c.stripeDupId}`, { duplicate_of: `stripe:${c.stripeId}` });
    }
  }
  for (let k = 0; k < Math.max(1, Math.round(nCustomers * 0.005)); k++) {
    stripeCustomers.push({
      id: ids.stripe("cus", 14),
      object: "customer",
      deleted: true,
      _deleted_at: unix(asOf - r.misc.int(2, 20) * DAY),
      created: unix(start + r.misc.int(0, 600) * DAY),
    });
  }

  // ---------------------------------------------------------------- invoices, charges, ERP postings
  const invoices: Record<string, unknown>[] = [];
  const charges: Record<string, unknown>[] = [];
  const refunds: Record<string, unknown>[] = [];
  const creditNotes: Record<string, unknown>[] = [];
  const nsTransactions: Record<string, unknown>[] = [];
  const nsLines: Record<string, unknown>[] = [];
  const erpInvoices: { month: string; row: string[] }[] = [];
  const erpPayments: { month: string; row: string[] }[] = [];
  let invoiceSeq = 0;
  const windowStart = asOf - WINDOW_DAYS * DAY;
  const nsTranId = () => String(ids.next("ns-transaction", 20000));

  for (const k of contracts) {
    if (!k.subId) continue;
    const c = k.customer;
    const ri = r.invoices;
    const taxRate = c.entity === "eu" ? (c.currency === "GBP" ? 20 : 19) : 0;
    for (
      let p = k.start;
      p <= k.end && p <= asOf;
      p = k.interval === "month" ? addMonths(p, 1) : addMonths(p, 12)
    ) {
      const created = p + ri.int(0, 3600) * 1000;
      if (created > asOf) break;
      invoiceSeq++;
      const id = ids.stripe("in");
      const number = `${c.stripeId!.slice(4, 12).toUpperCase()}-${String(invoiceSeq).padStart(5, "0")}`;
      const subtotal = k.unitMinor * k.quantity;
      const tax = Math.round((subtotal * taxRate) / 100);
      const total = subtotal + tax;
      const age = (asOf - created) / DAY;
      // The newest invoice may still be a draft: not finalized, so not an invoice anywhere yet.
      if (age < 1 && ri.chance(0.5)) {
        invoices.push(
          stripeInvoice({
            id,
            number,
            c,
            created,
            subtotal,
            tax,
            total,
            status: "draft",
            lines: invoiceLines(ri, ids, id, subtotal, c.currency, k, 1),
          }),
        );
        continue;
      }
      const finalizedAt = created + 3600_000;
      let status: "open" | "paid" | "void" | "uncollectible";
      let paidAt: number | undefined;
      const roll = ri.next();
      if (roll < 0.01) status = "void";
      else if (roll < 0.025) status = "uncollectible";
      else if (roll < 0.05 || age < 2) status = "open";
      else {
        status = "paid";
        paidAt = Math.min(finalizedAt + ri.int(0, 9) * DAY + ri.int(60, 7200) * 1000, asOf - 60_000);
      }
      const dueAt = finalizedAt + 30 * DAY;
      const lineCount = ri.chance(0.01) ? ri.int(11, 14) : 1;
      invoices.push(
        stripeInvoice({
          id,
          number,
          c,
          created,
          subtotal,
          tax,
          total,
          status,
          finalizedAt,
          paidAt,
          dueAt,
          subId: k.subId,
          lines: invoiceLines(ri, ids, id, subtotal, c.currency, k, lineCount),
        }),
      );

      // Charges: the payment that settled it, and a failed attempt on some unpaid ones.
      let chargeId: string | undefined;
      if (status === "paid" && paidAt !== undefined) {
        chargeId = ids.stripe("ch");
        const refunded = ri.chance(0.02) ? Math.round(total / 4) : 0;
        charges.push(stripeCharge(chargeId, c, id, total, "succeeded", paidAt, refunded));
        if (refunded) {
          refunds.push({
            id: ids.stripe("re"),
            object: "refund",
            amount: refunded,
            charge: chargeId,
            currency: c.currency.toLowerCase(),
            created: unix(Math.min(paidAt + 5 * DAY, asOf - 60_000)),
            status: "succeeded",
            reason: "requested_by_customer",
          });
        }
      } else if (status === "open" || status === "uncollectible") {
        charges.push(
          stripeCharge(
            ids.stripe("ch"),
            c,
            id,
            total,
            "failed",
            Math.min(finalizedAt + DAY, asOf - 60_000),
            0,
          ),
        );
      }
      if (ri.chance(0.03) && status === "paid") {
        creditNotes.push({
          id: ids.stripe("cn"),
          object: "credit_note",
          invoice: id,
          customer: c.stripeId,
          amount: Math.round(total / 10),
          currency: c.currency.toLowerCase(),
          created: unix(Math.min(finalizedAt + 10 * DAY, asOf - 60_000)),
          // Noise: a voided credit note credits nothing, so no ERP posts it.
          status: r.credits.chance(0.05) ? "void" : "issued",
          reason: "order_change",
          number: `${number}-CN1`,
        });
      }

      // ---- the ERP posting of the invoice
      const re = r.erp;
      const recent = finalizedAt >= windowStart;
      const linked = c.freeMail || re.chance(0.85);
      const inject = !recent && linked ? injectInvoice(r.inject, status, paidAt, windowStart) : undefined;
      if (recent && re.chance(0.5)) continue; // noise: not posted yet, inside the posting window
      if (inject === "missing") {
        flag("invoice_missing_in_erp", `stripe:${id}`, {
          total: major(total, c.currency),
          currency: c.currency,
        });
      } else {
        let erpTotal = total;
        let erpCurrency = c.currency;
        let erpStatus = status === "paid" ? "paid" : status === "void" ? "void" : "open";
        if (inject === "amount") {
          const delta = re.int(1, 50) * (re.chance(0.5) ? 1 : -1) * (c.currency === "JPY" ? 100 : 100);
          erpTotal = total + delta;
          flag("invoice_amount_mismatch", `stripe:${id}`, {
            billing: major(total, c.currency),
            erp: major(erpTotal, c.currency),
          });
        } else if (inject === "currency") {
          erpCurrency = c.currency === "USD" ? (c.entity === "us" ? "EUR" : "USD") : "USD";
          if (erpCurrency === c.currency) erpCurrency = "GBP";
          flag("invoice_currency_mismatch", `stripe:${id}`, { billing: c.currency, erp: erpCurrency });
        } else if (inject === "status_paid_open") {
          erpStatus = "open";
          flag("invoice_status_mismatch", `stripe:${id}`, { billing: "paid", erp: "open" });
        } else if (inject === "status_open_paid") {
          erpStatus = "paid";
          flag("invoice_status_mismatch", `stripe:${id}`, { billing: status, erp: "paid" });
        } else if (!recent && c.currency !== "JPY" && re.chance(0.02)) {
          erpTotal = total - 1; // noise: rounding by one cent
        }
        // Noise: paid in billing inside the settlement window, the ERP has not caught up yet.
        if (
          status === "paid" &&
          paidAt !== undefined &&
          paidAt >= windowStart &&
          inject === undefined &&
          re.chance(0.5)
        )
          erpStatus = "open";
        const postedAt = Math.min(finalizedAt + re.int(0, 2) * DAY, asOf - 60_000);
        if (c.entity === "us") {
          const nsId = nsTranId();
          nsTransactions.push(
            nsTransaction({
              id: nsId,
              tranid: `INV${nsId}`,
              type: "CustInvc",
              entity: c.nsId!,
              at: postedAt,
              due: dueAt,
              status: erpStatus === "paid" ? "B" : erpStatus === "void" ? "V" : "A",
              currency: erpCurrency,
              total: erpTotal,
              externalid: linked ? id : "",
              memo: linked ? "" : `Stripe invoice ${number}`,
            }),
          );
          nsLines.push({
            id: `${nsId}-1`,
            transaction: nsId,
            linesequencenumber: "1",
            item: "Subscription",
            foreignamount: major(erpTotal, erpCurrency),
            links: [],
          });
        } else {
          const subtotalErp = Math.round((erpTotal * 100) / (100 + taxRate));
          erpInvoices.push({
            month: isoDate(postedAt).slice(0, 7),
            row: [
              `K-${ids.next("erp-invoice", 100001)}`,
              c.erpNo!,
              erpDate(postedAt),
              erpDate(dueAt),
              erpCurrency,
              majorComma(subtotalErp, erpCurrency),
              majorComma(erpTotal - subtotalErp, erpCurrency),
              majorComma(erpTotal, erpCurrency),
              erpStatus,
              linked ? id : "",
            ],
          });
        }
      }

      // ---- the ERP posting of the payment
      if (chargeId && paidAt !== undefined) {
        const recentPay = paidAt >= windowStart;
        if (recentPay && re.chance(0.5)) continue; // noise: not posted yet
        const payLinked = c.freeMail || re.chance(0.9);
        let payTotal = total;
        if (!recentPay && payLinked) {
          const roll2 = r.inject.next();
          if (roll2 < RATES.paymentMissingInErp) {
            flag("payment_missing_in_erp", `stripe:${chargeId}`, {
              amount: major(total, c.currency),
              currency: c.currency,
            });
            continue;
          }
          if (roll2 < RATES.paymentMissingInErp + RATES.paymentAmountMismatch) {
            payTotal = total + re.int(1, 20) * 100 * (re.chance(0.5) ? 1 : -1);
            flag("payment_amount_mismatch", `stripe:${chargeId}`, {
              billing: major(total, c.currency),
              erp: major(payTotal, c.currency),
            });
          }
        }
        const postedAt = Math.min(paidAt + re.int(0, 2) * DAY, asOf - 60_000);
        if (c.entity === "us") {
          const nsId = nsTranId();
          nsTransactions.push(
            nsTransaction({
              id: nsId,
              tranid: `PMT${nsId}`,
              type: "CustPymt",
              entity: c.nsId!,
              at: postedAt,
              status: "C",
              currency: c.currency,
              total: payTotal,
              externalid: payLinked ? chargeId : "",
              memo: "",
            }),
          );
        } else {
          erpPayments.push({
            month: isoDate(postedAt).slice(0, 7),
            row: [
              `P-${ids.next("erp-payment", 500001)}`,
              c.erpNo!,
              erpDate(postedAt),
              c.currency,
              majorComma(payTotal, c.currency),
              "",
              payLinked ? chargeId : "",
            ],
          });
        }
      }
    }
  }

  // ---------------------------------------------------------------- refunds and credit notes in the ERP
  // A succeeded refund is posted as a NetSuite customer refund (CustRfnd) or a legacy ERP credit
  // row of type refund, an issued credit note as a NetSuite credit memo (CustCred) or a credit row
  // of type credit_note, within 0-2 days. Linked postings (85 %) carry the Stripe id; the others
  // are found by customer, currency, amount and date, NetSuite credit memos also by the credit
  // note number in their memo.
  const erpCredits: { month: string; row: string[] }[] = [];
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

  // ERP invoices billing never issued (manual ERP invoices): amounts with odd cents, so they
  // cannot be mistaken for a subscription invoice of the same customer.
  const erpCustomers = customers.filter((c) => c.nsId || c.erpNo);
  const nErpInvoices = nsTransactions.filter((t) => t.type === "CustInvc").length + erpInvoices.length;
  const extra = Math.max(2, Math.round(nErpInvoices * RATES.invoiceMissingInBilling));
  for (let k = 0; k < extra && erpCustomers.length; k++) {
    const c =
      erpCustomers[
        k % 2 === 0 ? r.inject.int(0, erpCustomers.length - 1) : r.inject.int(0, erpCustomers.length - 1)
      ]!;
    const at = asOf - r.inject.int(10, 400) * DAY;
    const amount =
      c.currency === "JPY"
        ? r.inject.int(100, 999) * 10 + 7
        : r.inject.int(100, 9999) * 100 + r.inject.int(1, 99);
    if (c.entity === "us") {
      const nsId = nsTranId();
      nsTransactions.push(
        nsTransaction({
          id: nsId,
          tranid: `INV${nsId}`,
          type: "CustInvc",
          entity: c.nsId!,
          at,
          due: at + 30 * DAY,
          status: "A",
          currency: c.currency,
          total: amount,
          externalid: "",
          memo: "Manual invoice: professional services",
        }),
      );
      nsLines.push({
        id: `${nsId}-1`,
        transaction: nsId,
        linesequencenumber: "1",
        item: "Services",
        foreignamount: major(amount, c.currency),
        links: [],
      });
      flag("invoice_missing_in_billing", `netsuite:${nsId}`, { amount: major(amount, c.currency) });
    } else {
      const no = `K-${ids.next("erp-invoice", 100001)}`;
      erpInvoices.push({
        month: isoDate(at).slice(0, 7),
        row: [
          no,
          c.erpNo!,
          erpDate(at),
          erpDate(at + 30 * DAY),
          c.currency,
          majorComma(amount, c.currency),
          majorComma(0, c.currency),
          majorComma(amount, c.currency),
          "open",
          "",
        ],
      });
      flag("invoice_missing_in_billing", `erp_file:${no}`, { amount: major(amount, c.currency) });
    }
  }

  // ---------------------------------------------------------------- NetSuite customers, ERP customers
  const nsCustomers: Record<string, unknown>[] = [];
  const erpCustomerRows: string[][] = [];
  for (const c of customers) {
    if (c.nsId) {
      nsCustomers.push({
        id: c.nsId,
        entityid: `${c.name.base} (${c.nsId})`,
        companyname: c.name.legal,
        email: c.freeMail ? undefined : `ap@${c.name.domain}`,
        url: c.freeMail ? undefined : `https://www.${c.name.domain}`,
        externalid: c.sfId && r.customers.chance(0.8) ? c.sfId : undefined,
        currency: NS_CURRENCY[c.currency],
        datecreated: nsDateTime(c.createdAt + 2 * DAY),
        lastmodifieddate: nsDateTime(c.createdAt + 2 * DAY),
        links: [],
      });
    }
    if (c.erpNo) {
      erpCustomerRows.push([
        c.erpNo,
        c.name.legal,
        `${c.entity === "eu" ? "DE" : "US"}${String(100000000 + c.n)}`,
        c.freeMail ? "" : c.name.domain,
        c.sfId && r.customers.chance(0.8) ? c.sfId : "",
      ]);
    }
  }

  // ---------------------------------------------------------------- Zendesk organizations + tickets
  // Renewals are back to back, so at most one contract of a customer is active on a given day.
  const activeTier = new Map<Customer, Tier>();
  for (const k of contracts) {
    if (dayOf(k.start) <= asOfDay && dayOf(k.end) >= asOfDay) activeTier.set(k.customer, k.tier);
  }
  const orgs: Record<string, unknown>[] = [];
  const tickets: Record<string, unknown>[] = [];
  for (const c of customers) {
    if (!c.zdId) continue;
    const rt = r.tickets;
    let tier: Tier = activeTier.get(c) ?? "none";
    if (r.inject.chance(RATES.entitlementMismatch)) {
      const other = (["none", "standard", "premium"] as const).filter((t) => t !== tier);
      const wrong = r.inject.pick(other);
      flag("entitlement_mismatch", `zendesk:${c.zdId}`, { zendesk: wrong, contract: tier });
      tier = wrong;
    }
    const created = c.createdAt + 3 * DAY;
    orgs.push({
      url: `https://sandbox.zendesk.com/api/v2/organizations/${c.zdId}.json`,
      id: c.zdId,
      name: spellingVariant(rt, c.name),
      shared_tickets: false,
      shared_comments: false,
      // Web-mail customers have no domain to be found by: their organization always carries the link.
      external_id: c.sfId && (c.freeMail || rt.chance(0.75)) ? c.sfId : null,
      created_at: isoDateTime(Math.min(created, asOf - DAY)),
      updated_at: isoDateTime(Math.min(created + rt.int(0, 200) * DAY, asOf - 2 * 60_000)),
      domain_names: c.freeMail ? [] : [c.name.domain],
      details: "",
      notes: "",
      group_id: null,
      tags: [c.entity, tier],
      organization_fields: { support_tier: tier, billing_status: null, arr: null, health_score: null },
    });
  }
  const nTickets = Math.round(5000 * options.scale);
  const withOrg = customers.filter((c) => c.zdId);
  for (let k = 0; k < nTickets && withOrg.length; k++) {
    const rt = r.tickets;
    const c = withOrg[rt.int(0, withOrg.length - 1)]!;
    const created =
      Math.max(c.createdAt, start) +
      rt.int(0, Math.max(1, Math.floor((asOf - Math.max(c.createdAt, start)) / 60_000) - 5)) * 60_000;
    const status = rt.weighted([
      ["new", 2],
      ["open", 5],
      ["pending", 3],
      ["hold", 1],
      ["solved", 10],
      ["closed", 20],
    ] as const);
    tickets.push({
      url: `https://sandbox.zendesk.com/api/v2/tickets/${k + 1}.json`,
      id: k + 1,
      external_id: null,
      created_at: isoDateTime(created),
      updated_at: isoDateTime(Math.min(created + rt.int(0, 20) * DAY, asOf - 2 * 60_000)),
      type: rt.pick(["question", "incident", "problem", "task"]),
      subject: ticketSubject(rt),
      priority: rt.weighted([
        ["low", 4],
        ["normal", 10],
        ["high", 3],
        ["urgent", 1],
      ] as const),
      status,
      organization_id: c.zdId,
      requester_id: 90_000_000 + rt.int(1, 99_999),
      tags: [],
    });
  }

  // ---------------------------------------------------------------- write everything
  sortBy(accounts, (a) => `${a.CreatedDate}|${a.Id}`);
  sortBy(opportunities, (o) => `${o.CreatedDate}|${o.Id}`);
  // Every field each vendor returns, from streams of their own: the fields the generator leaves
  // to these never shift the randomness of what the reconciliation is about.
  const full = { salesforce: new Rng(seed, 21), netsuite: new Rng(seed, 22), zendesk: new Rng(seed, 23) };
  await w.write(
    "salesforce/Account.jsonl",
    accounts.map((x) => fullSalesforceRecord("Account", x, full.salesforce)),
  );
  await w.write(
    "salesforce/Contact.jsonl",
    contacts.map((x) => fullSalesforceRecord("Contact", x, full.salesforce)),
  );
  await w.write(
    "salesforce/Opportunity.jsonl",
    opportunities.map((x) => fullSalesforceRecord("Opportunity", x, full.salesforce)),
  );
  const stripe = toWorldShapes({
    customers: stripeCustomers,
    subscriptions,
    invoices,
    charges,
    refunds,
    creditNotes,
  });
  await w.write("stripe/customers.jsonl", stripe.customers);
  await w.write("stripe/subscriptions.jsonl", stripe.subscriptions);
  await w.write("stripe/invoices.jsonl", stripe.invoices);
  await w.write("stripe/charges.jsonl", stripe.charges);
  await w.write("stripe/refunds.jsonl", stripe.refunds);
  await w.write("stripe/credit_notes.jsonl", stripe.creditNotes);
  await w.write("stripe/invoice_payments.jsonl", stripe.invoicePayments);
  await w.write(
    "netsuite/customer.jsonl",
    nsCustomers.map((x) => fullNetsuiteRow("customer", x, full.netsuite)),
  );
  sortBy(nsTransactions, (t) => Number(t.id));
  await w.write(
    "netsuite/transaction.jsonl",
    nsTransactions.map((x) => fullNetsuiteRow("transaction", x, full.netsuite)),
  );
  await w.write(
    "netsuite/transactionline.jsonl",
    nsLines.map((x) => fullNetsuiteRow("transactionline", x, full.netsuite)),
  );
  await w.write(
    "netsuite/currency.jsonl",
    CURRENCIES.map((c) => ({
      id: NS_CURRENCY[c],
      symbol: c,
      name: c,
      isbasecurrency: c === "USD" ? "T" : "F",
      links: [],
    })).map((x) => fullNetsuiteRow("currency", x, full.netsuite)),
  );
  await w.write("zendesk/organizations.jsonl", orgs.map(fullOrganization));
  const orgDomain = new Map(orgs.map((o) => [o.id, (o.domain_names as string[])[0]]));
  await w.write(
    "zendesk/tickets.jsonl",
    tickets.map((x) => fullTicket(x, full.zendesk, orgDomain.get(x.organization_id))),
  );

  const rejects = await writeErpExports(
    dir,
    w,
    erpCustomerRows,
    erpInvoices,
    erpPayments,
    erpCredits,
    r.misc,
  );
  await writeFxRates(dir, w, asOf, start, r.fx);

  for (const c of customers) {
    const link: TruthLink = {};
    if (c.sfId) link.salesforce = c.sfId;
    if (c.stripeId) link.stripe = c.stripeId;
    if (c.nsId) link.netsuite = c.nsId;
    if (c.zdId) link.zendesk = String(c.zdId);
    if (c.erpNo) link.erp_file = c.erpNo;
    links.push(link);
  }
  truth.sort((a, b) =>
    a.category === b.category
      ? a.key < b.key
        ? -1
        : a.key > b.key
          ? 1
          : 0
      : a.category < b.category
        ? -1
        : 1,
  );
  const counts: Record<string, number> = {};
  for (const d of truth) counts[d.category] = (counts[d.category] ?? 0) + 1;
  const populations = {
    stripe_invoices_finalized: invoices.filter((i) => i.status !== "draft").length,
    succeeded_charges: charges.filter((c) => c.status === "succeeded").length,
    stripe_refunds: refunds.filter((x) => x.status === "succeeded").length,
    stripe_credit_notes: creditNotes.filter((x) => x.status === "issued").length,
    closed_won_opportunities: contracts.length,
    zendesk_organizations: orgs.length,
    customers: customers.length,
  };
  const truthDoc: Truth = {
    as_of: isoDateTime(asOf),
    discrepancies: truth,
    links,
    rejects,
    counts,
    populations,
  };
  await w.writeJson("truth.json", truthDoc);
  await w.writeJson("world.json", {
    seed,
    scale: options.scale,
    as_of: isoDateTime(asOf),
    entities: [
      { id: "us", name: "Trueup Demo Inc.", erp: "netsuite", currency: "USD" },
      { id: "eu", name: "Trueup Demo GmbH", erp: "erp_files", currency: "EUR" },
    ],
    generator: { version: 1 },
    files: w.counts(),
  });
  return { dir, files: w.counts(), discrepancies: counts, links: links.length };
}

// -------------------------------------------------------------------- helpers

function roundTo(x: number, unit: number): number {
  return Math.round(x / unit) * unit;
}

function dayOf(ms: number): number {
  return Math.floor(ms / DAY);
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ),
  );
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.getTime();
}

function sortBy<T>(xs: T[], key: (x: T) => string | number): void {
  xs.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

type InvoiceInjection =
  "missing" | "amount" | "currency" | "status_paid_open" | "status_open_paid" | undefined;

/** At most one injected discrepancy per invoice, only on invoices outside the posting window. */
function injectInvoice(
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

function sfAccount(
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

function sfOpportunity(
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

function stripeCustomer(
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

function stripeCharge(
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

function invoiceLines(
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

function stripeInvoice(x: {
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

function nsTransaction(x: {
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

async function writeErpExports(
  dir: string,
  w: JsonlWriter,
  customers: string[][],
  invoices: { month: string; row: string[] }[],
  payments: { month: string; row: string[] }[],
  credits: { month: string; row: string[] }[],
  rng: Rng,
): Promise<Truth["rejects"]> {
  const rejects: Truth["rejects"] = [];
  const header = {
    customers: "customer_no;name;vat_id;email_domain;crm_account_id",
    invoices:
      "invoice_no;customer_no;invoice_date;due_date;currency;net_amount;tax_amount;gross_amount;status;billing_ref",
    payments: "payment_no;customer_no;payment_date;currency;amount;invoice_no;billing_ref",
    credits: "credit_no;customer_no;credit_date;currency;net_amount;tax_amount;gross_amount;type;billing_ref",
  };
  await fs.mkdir(path.join(dir, "erp_exports"), { recursive: true });
  const write = async (name: string, head: string, rows: string[][]) => {
    const body = [head, ...rows.map((r) => r.join(";"))].join("\r\n") + "\r\n";
    await fs.writeFile(path.join(dir, "erp_exports", name), "\ufeff" + body);
    w.count(`erp_exports/${name}`, rows.length);
  };
  await write("customers_2026-11.csv", header.customers, customers);
  const byMonth = <T extends { month: string; row: string[] }>(xs: T[]) => {
    const m = new Map<string, string[][]>();
    for (const x of xs) m.set(x.month, [...(m.get(x.month) ?? []), x.row]);
    return [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  };
  const invMonths = byMonth(invoices);
  // A few malformed rows in one export: they describe nothing real and must be rejected, not loaded.
  if (invMonths.length) {
    const [month, rows] = invMonths[Math.floor(invMonths.length / 2)]!;
    const bad = [
      {
        row: ["K-BAD-1", "C-0", "31.02.2026", "31.03.2026", "EUR", "1,00", "0,00", "1,00", "open", ""],
        reason: "no such date",
        field: "invoice_date",
      },
      {
        row: ["K-BAD-2", "C-0", "01.03.2026", "31.03.2026", "EUR", "eins", "0,00", "1,00", "open", ""],
        reason: "not a number",
        field: "net_amount",
      },
      { row: ["K-BAD-3", "C-0", "01.03.2026"], reason: "wrong number of columns", field: undefined },
    ];
    for (const b of bad) {
      const at = rng.int(0, rows.length);
      rows.splice(at, 0, b.row);
    }
    // Line numbers: the header is line 1.
    for (const b of bad) {
      const line = rows.indexOf(b.row) + 2;
      rejects.push({ file: `invoices_${month}.csv`, line, key: b.row[0]!, field: b.field, reason: b.reason });
    }
  }
  for (const [month, rows] of invMonths) await write(`invoices_${month}.csv`, header.invoices, rows);
  for (const [month, rows] of byMonth(payments)) await write(`payments_${month}.csv`, header.payments, rows);
  for (const [month, rows] of byMonth(credits)) await write(`credits_${month}.csv`, header.credits, rows);
  return rejects;
}

async function writeFxRates(
  dir: string,
  w: JsonlWriter,
  asOf: number,
  start: number,
  rng: Rng,
): Promise<void> {
  const base: Record<string, number> = { EUR: 1.08, GBP: 1.27, JPY: 0.0068 };
  const lines = ["date,currency,usd_per_unit"];
  const level = { ...base };
  let n = 0;
  for (let d = start - 40 * DAY; d <= asOf; d += DAY) {
    lines.push(`${isoDate(d)},USD,1`);
    for (const c of ["EUR", "GBP", "JPY"]) {
      level[c] = level[c]! * (1 + (rng.next() - 0.5) * 0.01);
      level[c] = Math.min(base[c]! * 1.15, Math.max(base[c]! * 0.85, level[c]!));
      lines.push(`${isoDate(d)},${c},${level[c]!.toFixed(c === "JPY" ? 8 : 6)}`);
    }
    n += 4;
  }
  await fs.writeFile(path.join(dir, "fx_rates.csv"), lines.join("\n") + "\n");
  w.count("fx_rates.csv", n);
}

/** A short digest of a world's files, for determinism checks and manifests. */
export async function worldDigest(dir: string): Promise<string> {
  const h = createHash("sha256");
  const walk = async (d: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of (await fs.readdir(d, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) out.push(...(await walk(p)));
      else out.push(p);
    }
    return out;
  };
  for (const f of await walk(dir)) {
    h.update(path.relative(dir, f));
    h.update(await fs.readFile(f));
  }
  return h.digest("hex");
}
