import type { Logger } from "../core/log.js";
import * as state from "../models/state.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import type { RuleContext, RuleFamily } from "./interfaces.js";
import { readsId } from "./user-rules.js";
import { ColumnReads } from "../models/reads.js";

/** Bumped when what a family's run writes changes, so every family's recorded state is out of date. */
const STATE_VERSION = 1;

/** A rule context that records the models and staging tables the rules read. */
export function recordingRuleContext(ctx: RuleContext): {
  ctx: RuleContext;
  models: Set<string>;
  reads: ColumnReads;
  sources: Map<string, { source: string; stream: string }>;
} {
  const models = new Set<string>();
  const reads = new ColumnReads();
  const sources = new Map<string, { source: string; stream: string }>();
  return {
    models,
    reads,
    sources,
    ctx: {
      ...ctx,
      ref: (model, options) => {
        models.add(readsId(model));
        reads.add(readsId(model), options?.columns);
        return ctx.ref(model, options);
      },
      source: (source, stream) => {
        sources.set(`${source}.${stream}`, { source, stream });
        return ctx.source(source, stream);
      },
    },
  };
}

/** What the family's outcome follows from, as fingerprints to compare with its last run's. */
interface CompiledFamily {
  sql: string;
  asOf: string;
  settings: unknown;
  models: Iterable<string>;
  /** Models the rules read only in part, with the columns they read. */
  columns?: Readonly<Record<string, readonly string[]>>;
  sources: Iterable<{ source: string; stream: string }>;
}

/**
 * The family's last outcome (as `skipped` makes it) when skipping is allowed and nothing it
 * depends on changed since; else the recorded state is forgotten (this run changes what it
 * describes), the family is evaluated, and what it saw is recorded with its outcome.
 */
export async function skipOrEvaluate<T extends LifecycleMoves>(
  wh: Warehouse,
  family: RuleFamily,
  compiled: CompiledFamily,
  options: { skipUnchanged: boolean; log: Logger; runId: string; verifyEveryHours: number },
  skipped: (previous: T) => T,
  evaluate: () => Promise<T>,
): Promise<T> {
  await state.ensureNodeState(wh);
  const node = `recon.${family.name}`;
  // The as-of: the lifecycle stamps it on every row it sees and on the day's history row. The
  // recon tables' columns: a schema change is applied by the family's next evaluation.
  const shape = async (name: string) =>
    (await wh.columns({ schema: "recon", name })).map((c) => `${c.name} ${c.nativeType}`);
  const hashNow = async () =>
    state.hashOf({
      version: STATE_VERSION,
      description: family.description,
      sql: compiled.sql,
      asOf: compiled.asOf,
      settings: compiled.settings,
      discrepancy: await shape("discrepancy"),
      detail: await shape(`${family.name}_detail`),
    });
  const definitionHash = await hashNow();
  const sources = [...compiled.sources].map((s) => ({ ...s, absent: false }));
  const models = [...new Set([...(family.reads ?? []), ...compiled.models])].sort();
  // A model named in the family's `reads` counts as read whole.
  const columns = Object.fromEntries(
    Object.entries(compiled.columns ?? {}).filter(([m]) => !(family.reads ?? []).includes(m)),
  );
  const { inputs, previous } = await state.checkNodeState(
    wh,
    { node, definitionHash },
    (recorded) => state.inputFingerprints(wh, { sources, models, columns }, recorded),
    { skip: options.skipUnchanged, runId: options.runId },
  );
  const verify = !!previous && state.verificationDue(previous, options.verifyEveryHours);
  if (previous && !verify) {
    options.log.info({ family: node }, "reconciliation up to date: inputs unchanged");
    return skipped(previous.outcome as T);
  }
  // The periodic verification of a family that could be skipped: evaluated in full, it must move
  // no discrepancy and find the rows its detail table held.
  const detail = { schema: "recon", name: `${family.name}_detail` };
  const held = verify ? await state.contentChecksum(wh, detail) : undefined;
  const evaluated = await evaluate();
  let result: T = evaluated;
  if (held) {
    const now = await state.contentChecksum(wh, detail);
    const moved = evaluated.opened + evaluated.reopened + evaluated.resolved;
    const same = !moved && now.rows === held.rows && now.checksum === held.checksum;
    if (!same)
      options.log.error(
        {
          family: node,
          held,
          fullEvaluation: now,
          opened: evaluated.opened,
          reopened: evaluated.reopened,
          resolved: evaluated.resolved,
        },
        `verification: ${node} differed from a full evaluation of the same inputs (a trueup defect; the full evaluation now stands)`,
      );
    result = { ...evaluated, verified: same ? "equal" : "differs" };
  }
  // Rules are always evaluated in full: any evaluation is as good as a verification. The hash
  // is taken again: the first evaluation makes the detail table (and a schema change reshapes
  // it), and the next run must find the shapes this one left, or it evaluates again for nothing.
  await state.writeNodeState(
    wh,
    {
      node,
      definitionHash: await hashNow(),
      inputs,
      // Equal to what was skipped: downstream saw no change.
      outputKey: result.verified === "equal" ? previous!.outputKey : state.newOutputKey(),
      outcome: { ...result, verified: undefined, verifiedAt: new Date().toISOString() },
    },
    options.runId,
  );
  return result;
}

/** What a family's evaluation moved in the lifecycle, and whether it was a verification. */
export interface LifecycleMoves {
  opened: number;
  reopened: number;
  resolved: number;
  /** Set when the evaluation was the periodic full verification (see `verification.everyHours`). */
  verified?: "equal" | "differs";
}
