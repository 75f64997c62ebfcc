import { projectRoot } from "../orchestration/project.js";
import type { FamilyResult } from "../reconcile/engine.js";
import { reconcile as runRules } from "../reconcile/run.js";
import { loadRuleDefinitions } from "../reconcile/user-rules.js";
import { lockRun, withSession, type Session, type TrueupOptions } from "./session.js";

export interface ReconcileProjectOptions {
  /** Reconcile as of this instant (ISO 8601); default now. */
  asOf?: string;
  /** Evaluate every rule family, up to date or not (`trueup reconcile --full-refresh`). */
  fullRefresh?: boolean;
}

export type ReconcileOptions = TrueupOptions & ReconcileProjectOptions;

export interface ReconcileResult {
  runId: string;
  /** One per rule family (the project's own rules included): discrepancies opened, reopened, resolved. */
  families: FamilyResult[];
}

/** Runs every reconciliation rule, built-in and the project's own: `trueup reconcile`. */
export function reconcile(options: ReconcileOptions = {}): Promise<ReconcileResult> {
  return withSession(options, (session) => reconcileProject(session, options));
}

export async function reconcileProject(
  session: Session,
  opts: ReconcileProjectOptions,
): Promise<ReconcileResult> {
  await loadRuleDefinitions(session.loaded.config, projectRoot(session.loaded));
  const { warehouse } = await session.warehouse();
  await lockRun(session, "reconcile");
  const families = await runRules({
    warehouse,
    config: session.loaded.config,
    asOf: opts.asOf,
    runId: session.runId,
    log: session.log,
    fullRefresh: opts.fullRefresh,
  });
  return { runId: session.runId, families };
}
