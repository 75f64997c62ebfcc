import { NotImplementedError } from "../core/errors.js";
import type {
  ActionResult,
  CloseStatusRow,
  DiscrepancyView,
  LedgerContext,
  QueueFilters,
  QueueResult,
  SignoffResult,
} from "./ledger.js";

/** The open items matching the filters, largest amount first. */
export async function listQueue(_ctx: LedgerContext, _filters: QueueFilters = {}): Promise<QueueResult> {
  throw new NotImplementedError("recon list");
}

/** One discrepancy (by key; `category` narrows when a key has several), both sides from staging, and its events. */
export async function showDiscrepancy(
  _ctx: LedgerContext,
  _key: string,
  _category?: string,
): Promise<DiscrepancyView[]> {
  throw new NotImplementedError("recon show");
}

export async function assign(
  _ctx: LedgerContext,
  _keys: readonly string[],
  _to: string,
  _actor: string,
  _opts: { category?: string } = {},
): Promise<ActionResult> {
  throw new NotImplementedError("recon assign");
}

export async function explain(
  _ctx: LedgerContext,
  _keys: readonly string[],
  _reason: string,
  _note: string,
  _actor: string,
  _opts: { category?: string } = {},
): Promise<ActionResult> {
  throw new NotImplementedError("recon explain");
}

export async function reopen(
  _ctx: LedgerContext,
  _keys: readonly string[],
  _actor: string,
  _opts: { category?: string } = {},
): Promise<ActionResult> {
  throw new NotImplementedError("recon reopen");
}

/** Signs a month (YYYY-MM) for an entity ("all" when unset), or refuses with the items that block it. */
export async function signoff(
  _ctx: LedgerContext,
  _period: string,
  _entity: string | undefined,
  _actor: string,
): Promise<SignoffResult> {
  throw new NotImplementedError("recon signoff");
}

/** Per entity of the month: open items by review state, what blocks sign-off, and the sign-off if any. */
export async function closeStatus(_ctx: LedgerContext, _period: string): Promise<CloseStatusRow[]> {
  throw new NotImplementedError("recon close status");
}
