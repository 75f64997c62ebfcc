import { createHash } from "node:crypto";
import type { WarehouseSession } from "../../warehouse/interfaces.js";
import { fromJsonRead, reverseStatements } from "../../warehouse/statements/reverse.js";
import type { SyncPlan } from "../interfaces.js";
import { ApprovalError } from "./errors.js";

/**
 * Corrections (values derived from reconciliation) are not written on sight: the sync stores a
 * plan with an id and stops. `trueup sync --approve ID` runs exactly that plan — not a
 * recomputed one — so what a person approved is what gets written. A newer plan for the same
 * sync supersedes an older pending one.
 */
export function planId(plan: SyncPlan): string {
  const h = createHash("sha256")
    .update(JSON.stringify({ sync: plan.sync, changes: plan.changes }))
    .digest("hex");
  return `${plan.sync}-${h.slice(0, 10)}`;
}

export async function savePendingPlan(db: WarehouseSession, plan: SyncPlan, runId: string): Promise<string> {
  const id = planId(plan);
  await db.query(
    `UPDATE reverse.plans SET status = 'superseded' WHERE sync = $1 AND status = 'pending' AND plan_id <> $2`,
    [plan.sync, id],
  );
  // A plan id already stored (the same plan planned again) is left as it is.
  await reverseStatements(db).storePendingPlan(db, {
    planId: id,
    sync: plan.sync,
    plan: JSON.stringify(plan),
    runId,
  });
  return id;
}

export async function loadPendingPlan(db: WarehouseSession, id: string): Promise<SyncPlan> {
  const [row] = await db.query<{ status: string; plan: SyncPlan | string }>(
    `SELECT status, plan FROM reverse.plans WHERE plan_id = $1`,
    [id],
  );
  if (!row) throw new ApprovalError(`no plan ${id}: \`trueup sync --dry-run\` lists pending plans`);
  if (row.status !== "pending")
    throw new ApprovalError(`plan ${id} is ${row.status}, not pending; nothing was written`);
  return fromJsonRead(row.plan)!;
}

export async function markApplied(db: WarehouseSession, id: string, runId: string): Promise<void> {
  await reverseStatements(db).markPlanApplied(db, id, runId);
}

export interface PendingPlan {
  planId: string;
  sync: string;
  createdAt: string;
  plan: SyncPlan;
}

/** The plans waiting for approval, oldest first (what `trueup serve` lists for approvers). */
export async function listPendingPlans(db: WarehouseSession): Promise<PendingPlan[]> {
  // Quoted lower-case names are the same relation on Postgres and on Snowflake.
  const rows = await db.query<{
    plan_id: string;
    sync: string;
    created_at: Date | string;
    plan: SyncPlan | string;
  }>(
    `SELECT "plan_id", "sync", "created_at", "plan" FROM "reverse"."plans" WHERE "status" = 'pending' ORDER BY "created_at", "plan_id"`,
  );
  return rows.map((r) => ({
    planId: r.plan_id,
    sync: r.sync,
    createdAt: new Date(r.created_at).toISOString(),
    plan: fromJsonRead(r.plan)!,
  }));
}
