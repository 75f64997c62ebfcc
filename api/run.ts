import { defaultAsOf } from "../core/as-of.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { pipelineDag } from "../orchestration/pipeline.js";
import { runOutcome, type RuleNotRunRow } from "../orchestration/report.js";
import { runDag, type NodeOutcome } from "../orchestration/runner.js";
import { select } from "../core/select.js";
import { lockRun, runHistory, withSession, type Session, type TrueupOptions } from "./session.js";

export interface RunPipelineOptions {
  /** Node selection in dbt's grammar: `name`, `+name`, `name+`, `source:stripe`, `tag:finance`. */
  select?: string;
  /** Reconcile as of this instant (ISO 8601); default now. */
  asOf?: string;
  /** Rebuild streams and incremental models from scratch. */
  fullRefresh?: boolean;
  /** Called when each node starts (`running`) and ends. */
  onNode?: (outcome: NodeOutcome | { node: string; status: "running" }) => void;
}

export type RunOptions = TrueupOptions & RunPipelineOptions;

export interface RunResult {
  runId: string;
  status: "succeeded" | "failed";
  nodes: NodeOutcome[];
  /** The first node that failed, with its error in full. */
  firstFailure?: { node: string; error: string };
  /** Reconciliation rules that did not run (a system they compare is absent), and why. */
  rulesNotRun: RuleNotRunRow[];
}

/** The DAG (extract → load → models → reconcile → reverse) once, in process: `trueup run`. */
export function run(options: RunOptions = {}): Promise<RunResult> {
  return withSession(options, (session) => runPipeline(session, options));
}

export async function runPipeline(session: Session, opts: RunPipelineOptions): Promise<RunResult> {
  const config = session.loaded.config;
  const asOf = opts.asOf ?? defaultAsOf();
  const { models } = await loadProject(config, projectRoot(session.loaded));
  const dag = pipelineDag(config, models, { asOf });
  const selected = select(dag, opts.select);
  const { warehouse } = await session.warehouse();
  const history = await runHistory(session);
  const asked = Date.now();
  await lockRun(session, "run");
  const result = await runDag({
    dag,
    selected,
    selector: opts.select,
    command: "run",
    history,
    waitRunLockSeconds: (Date.now() - asked) / 1000,
    context: {
      warehouse,
      config,
      credentials: session.credentials(),
      models,
      runId: session.runId,
      log: session.log,
      asOf,
      fullRefresh: opts.fullRefresh === true,
    },
    onNode: opts.onNode,
  });
  const outcome = await runOutcome(history, session.runId);
  return { runId: session.runId, ...result, ...outcome };
}
