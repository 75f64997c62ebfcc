import { savePendingPlan } from "./governance/plans.js";
import type { Intent } from "./intents.js";
import type { PlannedChange, RunSyncOptions, SyncPlan, SyncRunResult } from "./interfaces.js";

/**
 * What may be written: corrections wait for a person's approval, a sync that would change too
 * much of the destination at once is stopped, and a payload the destination's field types
 * refuse is not sent.
 */

/**
 * A sync that requires approval stores its plan and stops: the result to log (pending, or
 * nothing to correct). Undefined: go on (no approval needed, or this is the approved plan).
 */
export async function awaitApproval(
  options: RunSyncOptions,
  plan: SyncPlan,
  base: SyncRunResult,
): Promise<SyncRunResult | undefined> {
  const { warehouse: wh, sync, runId, log } = options;
  if (!sync.requiresApproval || options.approvePlanId) return undefined;
  if (plan.changes.length === 0)
    return { ...base, mode: "pending-approval", status: "succeeded", message: "nothing to correct" };
  const id = await savePendingPlan(wh, plan, runId);
  log.info({ sync: sync.name, plan: id, changes: plan.changes.length }, "correction plan awaits approval");
  return {
    ...base,
    mode: "pending-approval",
    status: "pending",
    planId: id,
    message: `approve with: trueup sync ${sync.name} --approve ${id}`,
  };
}

/**
 * Circuit breaker: blocks a sync that would change too much of the destination at once (the
 * blocked result to log; undefined: go on). The first delivery of a new sync is exempt
 * (everything is new then), as are approved plans and retries of unfinished deliveries
 * (`intents`, and the `stranded` deletions of creations an earlier run left unfinished).
 */
export async function circuitBreaker(
  options: RunSyncOptions,
  plan: SyncPlan,
  intents: Map<string, Intent>,
  stranded: number,
  base: SyncRunResult,
): Promise<SyncRunResult | undefined> {
  const { warehouse: wh, sync, destination, log } = options;
  const [{ n: sentBefore }] = (await wh.query<{ n: string }>(
    `SELECT count(*) AS n FROM reverse.sync_state WHERE sync = $1`,
    [sync.name],
  )) as [{ n: string }];
  if (!(Number(sentBefore) > 0) || options.approvePlanId) return undefined;
  const fresh = plan.changes.filter((c) => !c.retry && !intents.has(c.recordId)).length;
  const touched = fresh + plan.deletions.length - stranded;
  const size = touched ? await destination.count(sync.destination.object) : 0;
  const share = size ? touched / size : touched ? 1 : 0;
  if (!(share > sync.maxChangeShare)) return undefined;
  const retries = plan.changes.length - fresh;
  const message = `circuit breaker: ${touched} of ${size} ${sync.destination.object} records (${(share * 100).toFixed(1)} %) would change, above the limit of ${(sync.maxChangeShare * 100).toFixed(0)} %${retries ? ` (not counting ${retries} retries of unfinished deliveries)` : ""}; nothing was written. Check the model, then raise syncs.${sync.name}.maxChangeShare or run a dry run to review.`;
  log.error({ sync: sync.name, changes: touched, retries, size }, message);
  return { ...base, status: "blocked", message };
}

/**
 * The changes of a batch whose payload the destination's field types accept; the others fail
 * here (in `failures`), before anything is read or sent.
 */
export async function validPayloads(
  options: RunSyncOptions,
  batch: PlannedChange[],
  failures: Map<string, string>,
): Promise<PlannedChange[]> {
  const { sync, destination } = options;
  const valid: PlannedChange[] = [];
  for (const c of batch) {
    const problems = await destination.validate(sync.destination.object, c.fields);
    if (problems.length) failures.set(c.recordId, `invalid payload: ${problems.join("; ")}`);
    else valid.push(c);
  }
  return valid;
}
