import os from "node:os";
import type { Config } from "../config/schema.js";
import { TrueupError, UsageError } from "../core/errors.js";
import type { Warehouse } from "../warehouse/interfaces.js";

/**
 * The exceptions ledger: what finance does with a discrepancy, beside what the data says about
 * it. `status` (open / resolved) is the data's; `review_state` (unreviewed / assigned /
 * explained), assignee, reason, note, reviewer and due date are people's. Every action is a row
 * in recon.discrepancy_events with its actor; nothing is deleted. The CLI (`trueup recon …`) and
 * the finance web page (`trueup serve`) are both thin shells over these functions.
 */

export const REVIEW_STATES = ["unreviewed", "assigned", "explained"] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** What the ledger functions need: the warehouse holding recon.*, the config (reason codes, SLA, materiality). */
export interface LedgerContext {
  warehouse: Warehouse;
  config: Config;
  /** The instant ages are counted from: the last reconciliation's as-of when unset. */
  asOf?: string;
  /** Stamped on the events actions write; default "manual". */
  runId?: string;
}

export interface QueueFilters {
  category?: string;
  state?: ReviewState;
  assignee?: string;
  entity?: string;
  /** open (default), resolved or all. */
  status?: "open" | "resolved" | "all";
  /** Only items dated in this month (YYYY-MM). */
  period?: string;
  /** The team that works the category (reconciliation.ownerTeams). */
  ownerTeam?: string;
  /** Only items at least this many days old (from first seen to the as-of). */
  minAgeDays?: number;
  /** Only items with at least this amount at stake, in the reporting currency. */
  minAmount?: number;
  /** Default 1000; the total is in the result. */
  limit?: number;
  /** Items to skip first (a page further down the queue). */
  offset?: number;
}

/** Ages the queue is bucketed into, in days (the last bucket has no upper bound). */
export const AGE_BUCKETS: { label: string; maxDays: number | null }[] = [
  { label: "0-7 days", maxDays: 7 },
  { label: "8-30 days", maxDays: 30 },
  { label: "31-90 days", maxDays: 90 },
  { label: "over 90 days", maxDays: null },
];

/** What the items matching some filters add up to, all of them (not one page). */
export interface QueueSummary {
  count: number;
  amountReporting: number;
  byState: Record<ReviewState, number>;
  aging: { label: string; count: number; amountReporting: number }[];
}

/** One discrepancy as the queue shows it. */
export interface QueueItem {
  category: string;
  key: string;
  status: "open" | "resolved";
  reviewState: ReviewState;
  assignee: string | null;
  reasonCode: string | null;
  note: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  dueAt: string | null;
  /** Due before the as-of and not explained. */
  overdue: boolean;
  customerId: string | null;
  customerName: string | null;
  entity: string | null;
  currency: string | null;
  leftSystem: string | null;
  leftValue: string | null;
  rightSystem: string | null;
  rightValue: string | null;
  /** The document numbers on each side (invoice number, ERP number), when the rule knows them. */
  leftDocument: string | null;
  rightDocument: string | null;
  delta: number | null;
  /** The amount at stake in the reporting currency; what it means is in `amountMeaning`. */
  amountReporting: number | null;
  reportingCurrency: string | null;
  /** "whole document" (a record missing on one side) or "difference" (both sides hold it, values differ). */
  amountMeaning: "whole document" | "difference" | "none";
  /** The month (YYYY-MM) the item is dated in, for sign-off. */
  period: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Days from first seen to the as-of. */
  ageDays: number;
  ownerTeam: string;
}

export interface QueueResult {
  items: QueueItem[];
  /** Matching items before the limit. */
  total: number;
  asOf: string;
}

export interface DiscrepancyEvent {
  id: number;
  at: string;
  event: string;
  actor: string | null;
  runId: string;
  /** The review fields the action set, or the values that changed (a reset explanation). */
  detail: Record<string, unknown> | null;
}

/** A staging row of one side: its table and every column as stored. */
export interface SourceRecord {
  system: string;
  table: string;
  id: string;
  record: Record<string, unknown> | null;
}

export interface DiscrepancyView {
  item: QueueItem;
  detail: Record<string, unknown> | null;
  left: SourceRecord | null;
  right: SourceRecord | null;
  events: DiscrepancyEvent[];
}

/** Which discrepancies an action touched. */
export interface ActionResult {
  changed: { category: string; key: string }[];
  /** Keys whose items were already in that state (no event written). */
  unchanged: { category: string; key: string }[];
}

export interface SignoffSnapshotRow {
  reviewState: ReviewState;
  count: number;
  amountReporting: number;
}

export interface Signoff {
  period: string;
  entity: string;
  signedBy: string;
  signedAt: string;
  snapshot: SignoffSnapshotRow[];
  /** A later run changed items dated in this period (new or reopened): when, and which. */
  changedAt: string | null;
}

export type SignoffResult =
  | { ok: true; signoff: Signoff }
  | { ok: false; period: string; entity: string; materiality: number; blocking: QueueItem[] };

export interface CloseStatusRow {
  period: string;
  entity: string;
  open: number;
  unreviewed: number;
  assigned: number;
  explained: number;
  /** Open, not explained, above materiality: what blocks sign-off. */
  blocking: number;
  amountReporting: number;
  signoff: Signoff | null;
}

/** A key the ledger does not hold, or a reason code the config does not list; exits 2. */
export class LedgerUsageError extends UsageError {}

/** Raised for a request that contradicts the ledger's state (sign-off of a bad period). */
export class LedgerError extends TrueupError {}

/** The actor: `--by`, else TRUEUP_USER, else the OS user. */
export function resolveActor(by?: string): string {
  const actor = by ?? process.env.TRUEUP_USER ?? safeUsername();
  if (!actor?.trim()) throw new LedgerUsageError("no actor: pass --by NAME or set TRUEUP_USER");
  return actor.trim();
}

function safeUsername(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

export { listQueue, queueChoices, summarizeQueue } from "./ledger-queue.js";
export { showDiscrepancy } from "./ledger-show.js";
export { assign, explain, reopen } from "./ledger-actions.js";
export { signoff, closeStatus } from "./ledger-close.js";
