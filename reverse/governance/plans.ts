import { createHash } from "node:crypto";
import { sqlDialect } from "../../models/dialects.js";
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

/**
 * Records who approved a pending plan and when (reverse.plans.approved_by, approved_at) and an
 * `approved` event in reverse.plan_events under the run that applies it, before it is written:
 * an approval whose writes then fail is still known to have been given.
 */
export async function recordApproval(
  db: WarehouseSession,
  id: string,
  actor: string,
  runId: string,
): Promise<void> {
  // Quoted lower-case names and a timestamp literal read the same on Postgres and Snowflake.
  const at = sqlDialect(db.dialect).timestamp(new Date().toISOString());
  await db.query(
    `UPDATE "reverse"."plans" SET "approved_by" = $2, "approved_at" = ${at} WHERE "plan_id" = $1`,
    [id, actor],
  );
  await db.query(
    `INSERT INTO "reverse"."plan_events" ("plan_id", "event", "actor", "at", "run_id")
     SELECT $1, 'approved', $2, ${at}, $3`,
    [id, actor, runId],
  );
}

export interface ApprovedPlan {
  planId: string;
  sync: string;
  status: string;
  approvedBy: string;
  approvedAt: string;
  appliedAt: string | null;
}

/** The plans approved most recently, newest first (the plans page shows who approved what). */
export async function listApprovedPlans(db: WarehouseSession, limit = 20): Promise<ApprovedPlan[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT "plan_id", "sync", "status", "approved_by", "approved_at", "applied_at" FROM "reverse"."plans"
      WHERE "approved_by" IS NOT NULL ORDER BY "approved_at" DESC, "plan_id" LIMIT ${Math.trunc(limit)}`,
  );
  return rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])))
    .map((r) => ({
      planId: String(r.plan_id),
      sync: String(r.sync),
      status: String(r.status),
      approvedBy: String(r.approved_by),
      approvedAt: new Date(r.approved_at as string).toISOString(),
      appliedAt: r.applied_at ? new Date(r.applied_at as string).toISOString() : null,
    }));
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
