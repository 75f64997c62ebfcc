import type { CompanyName } from "./names.js";
import { nsDateTime as nsDateTimeUnclamped, sfDateTime as sfDateTimeUnclamped } from "./format.js";
import { Rng } from "./rng.js";
import type { TruthDiscrepancy } from "./truth.js";

/**
 * What every part of the world generator shares: the world being built (its clock, its PRNG
 * streams, its ids and every record made so far), and the calendar helpers. Each part
 * (customers.ts, crm-*.ts, billing-*.ts, erp-*.ts, support.ts) adds its records to the world in
 * the order generate.ts calls them; that order, and the order of draws inside each, is what keeps
 * a world byte-identical for a seed.
 */

export const DAY = 86_400_000;

export type Entity = "us" | "eu";
export type Tier = "none" | "standard" | "premium";

export interface Customer {
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

export interface Contract {
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

export const CURRENCIES = ["USD", "EUR", "GBP", "JPY"] as const;
export const NS_CURRENCY: Record<string, string> = { USD: "1", EUR: "2", GBP: "3", JPY: "4" };
export const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com"];

export class Ids {
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

/**
 * Nothing in a world was modified after its as_of: the vendors' clocks cannot run ahead of "now",
 * and an incremental cursor taken from a future timestamp would skip every later edit.
 */
let latestStamp = Number.POSITIVE_INFINITY;
export const sfDateTime = (ms: number) => sfDateTimeUnclamped(Math.min(ms, latestStamp));
export const nsDateTime = (ms: number) => nsDateTimeUnclamped(Math.min(ms, latestStamp));

type Rec = Record<string, unknown>;
/** An ERP export row, with the month whose file it goes to. */
export interface ErpRow {
  month: string;
  row: string[];
}

/** One PRNG stream per concern: adding records of one kind never shifts another kind's randomness. */
export interface Streams {
  customers: Rng;
  ids: Rng;
  contracts: Rng;
  invoices: Rng;
  erp: Rng;
  tickets: Rng;
  fx: Rng;
  inject: Rng;
  misc: Rng;
  credits: Rng;
}

export interface World {
  seed: number;
  scale: number;
  asOf: number;
  /** Two years before as_of: when the company's first customers signed. */
  start: number;
  asOfDay: number;
  /** Start of the posting and settlement window: what is newer may not be in the ERP yet. */
  windowStart: number;
  nCustomers: number;
  r: Streams;
  ids: Ids;
  /** Every discrepancy injected on purpose (truth.json). */
  truth: TruthDiscrepancy[];
  flag: (category: TruthDiscrepancy["category"], key: string, detail?: Record<string, unknown>) => void;
  /** The next NetSuite transaction id (invoices, payments, refunds and credit memos share them). */
  nsTranId: () => string;
  customers: Customer[];
  contracts: Contract[];
  accounts: Rec[];
  contacts: Rec[];
  opportunities: Rec[];
  subscriptions: Rec[];
  stripeCustomers: Rec[];
  invoices: Rec[];
  charges: Rec[];
  refunds: Rec[];
  creditNotes: Rec[];
  nsTransactions: Rec[];
  nsLines: Rec[];
  nsCustomers: Rec[];
  orgs: Rec[];
  tickets: Rec[];
  erpInvoices: ErpRow[];
  erpPayments: ErpRow[];
  erpCredits: ErpRow[];
  erpCustomerRows: string[][];
}

/** An empty world for (seed, scale, as_of); as_of also caps every vendor timestamp. */
export function newWorld(seed: number, scale: number, asOf: number, windowDays: number): World {
  latestStamp = asOf - 2 * 60_000;
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
  const truth: TruthDiscrepancy[] = [];
  return {
    seed,
    scale,
    asOf,
    start: asOf - 730 * DAY,
    asOfDay: dayOf(asOf),
    windowStart: asOf - windowDays * DAY,
    nCustomers: Math.max(8, Math.round(1000 * scale)),
    r,
    ids,
    truth,
    flag: (category, key, detail = {}) => truth.push({ category, key, ...detail }),
    nsTranId: () => String(ids.next("ns-transaction", 20000)),
    customers: [],
    contracts: [],
    accounts: [],
    contacts: [],
    opportunities: [],
    subscriptions: [],
    stripeCustomers: [],
    invoices: [],
    charges: [],
    refunds: [],
    creditNotes: [],
    nsTransactions: [],
    nsLines: [],
    nsCustomers: [],
    orgs: [],
    tickets: [],
    erpInvoices: [],
    erpPayments: [],
    erpCredits: [],
    erpCustomerRows: [],
  };
}

export function roundTo(x: number, unit: number): number {
  return Math.round(x / unit) * unit;
}

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY);
}

export function addMonths(ms: number, months: number): number {
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

export function sortBy<T>(xs: T[], key: (x: T) => string | number): void {
  xs.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
