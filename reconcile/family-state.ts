import type { Logger } from "../core/log.js";
import * as state from "../models/state.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import type { RuleContext, RuleFamily } from "./interfaces.js";
import { readsId } from "./user-rules.js";

/** Bumped when what a family's run writes changes, so every family's recorded state is out of date. */
const STATE_VERSION = 1;

/** A rule context that records the models and staging tables the rules read. */
export function recordingRuleContext(ctx: RuleContext): {
  ctx: RuleContext;
  models: Set<string>;
  sources: Map<string, { source: string; stream: string }>;
} {
  const models = new Set<string>();
  const sources = new Map<string, { source: string; stream: string }>();
  return {
    models,
    sources,
    ctx: {
      ...ctx,
      ref: (model) => {
        models.add(readsId(model));
        return ctx.ref(model);
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
  sources: Iterable<{ source: string; stream: string }>;
}

/**
 * The family's last outcome (as `skipped` makes it) when skipping is allowed and nothing it
 * depends on changed since; else the recorded state is forgotten (this run changes what it
 * describes), the family is evaluated, and what it saw is recorded with its outcome.
 */
export async function skipOrEvaluate<T>(
  wh: Warehouse,
  family: RuleFamily,
  compiled: CompiledFamily,
  options: { skipUnchanged: boolean; log: Logger; runId: string },
  skipped: (previous: T) => T,
  evaluate: () => Promise<T>,
): Promise<T> {
  await state.ensureNodeState(wh);
  const node = `recon.${family.name}`;
  // The as-of: the lifecycle stamps it on every row it sees and on the day's history row. The
  // recon tables' columns: a schema change is applied by the family's next evaluation.
  const shape = async (name: string) =>
    (await wh.columns({ schema: "recon", name })).map((c) => `${c.name} ${c.nativeType}`);
  const definitionHash = state.hashOf({
    version: STATE_VERSION,
    description: family.description,
    sql: compiled.sql,
    asOf: compiled.asOf,
    settings: compiled.settings,
    discrepancy: await shape("discrepancy"),
    detail: await shape(`${family.name}_detail`),
  });
  const sources = [...compiled.sources].map((s) => ({ ...s, absent: false }));
  const models = [...new Set([...(family.reads ?? []), ...compiled.models])].sort();
  const { inputs, previous } = await state.checkNodeState(
    wh,
    { node, definitionHash },
    (recorded) => state.inputFingerprints(wh, { sources, models }, recorded),
    { skip: options.skipUnchanged, runId: options.runId },
  );
  if (previous) {
    options.log.info({ family: node }, "reconciliation up to date: inputs unchanged");
    return skipped(previous.outcome as T);
  }
  const result = await evaluate();
  await state.writeNodeState(
    wh,
    { node, definitionHash, inputs, outputKey: state.newOutputKey(), outcome: result },
    options.runId,
  );
  return result;
}
