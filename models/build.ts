import type { Config } from "../config/schema.js";
import { defaultAsOf } from "../core/as-of.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { tableName } from "../load/naming.js";
import { select } from "../core/select.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import { sourceAbsence } from "./absent-sources.js";
import { compileModel, modelIndex } from "./compile.js";
import { compileTests, type CompiledTest } from "./data-tests.js";
import type { ModelContext, ModelDefinition } from "./interfaces.js";
import { materialize, type MaterializeResult } from "./materialize.js";
import { modelDag } from "./project.js";
import {
  ensureNodeState,
  hashOf,
  inputFingerprints,
  newOutputKey,
  checkNodeState,
  clearNodeState,
  contentChecksum,
  readNodeStates,
  verificationDue,
  writeNodeState,
  viewContentKey,
  type Verified,
} from "./state.js";

export interface TestOutcome {
  name: string;
  severity: "error" | "warn";
  failures: number;
}

export interface ModelOutcome {
  model: string;
  status: "succeeded" | "failed" | "skipped";
  seconds: number;
  result?: MaterializeResult;
  tests: TestOutcome[];
  error?: string;
  /**
   * Set when the model was not rebuilt: its definition and every input (staging tables, upstream
   * models) are as they were at its last successful build. `result` and `tests` are that build's.
   */
  skipped?: "inputs unchanged";
  /**
   * Set when the build was the periodic full verification (`verification.everyHours`): `equal`
   * when the model held what a full rebuild makes, `differs` when it did not (a defect, logged).
   */
  verified?: "equal" | "differs";
}

export interface BuildOptions {
  warehouse: Warehouse;
  config: Config;
  log: Logger;
  models: ModelDefinition[];
  select?: string;
  /** Rebuild every selected model, up to date or not. */
  fullRefresh?: boolean;
  asOf?: string;
  /** Recorded with each model's build state. */
  runId?: string;
  onModel?: (o: ModelOutcome) => void;
}

/**
 * Builds the selected models in DAG order and runs their data tests. A model that fails, or
 * whose `error`-severity test fails, stops its descendants (they are skipped, with the reason);
 * `warn` tests report and let the build go on.
 */
export async function buildModels(options: BuildOptions): Promise<ModelOutcome[]> {
  const wh = options.warehouse;
  // TRUEUP_AS_OF, else now: `trueup build` builds as of the same instant `trueup run` would.
  const asOf = options.asOf ?? defaultAsOf();
  const dag = modelDag(options.models, { dialect: wh.dialect, config: options.config, asOf });
  const chosen = select(dag, options.select);
  const byName = modelIndex([...dag.nodes.values()].map((n) => n.model.relation));
  const failed = new Set<string>();
  const outcomes: ModelOutcome[] = [];
  await ensureNodeState(wh);
  for (const id of dag.order(chosen)) {
    const node = dag.get(id);
    const def = node.model.definition;
    const started = Date.now();
    const blocker = node.upstream.find((u) => failed.has(u));
    if (blocker) {
      failed.add(id);
      const o: ModelOutcome = {
        model: id,
        status: "skipped",
        seconds: 0,
        tests: [],
        error: `upstream ${blocker} failed`,
      };
      outcomes.push(o);
      options.onModel?.(o);
      continue;
    }
    try {
      // A stream not loaded yet reads as empty, as a disabled source's do: the model still builds
      // (with no rows from that system), and the log says which table was missing.
      const absent = new Map<string, string>();
      for (const s of node.model.sources) {
        if (sourceAbsence(options.config, s.source)) continue;
        const table = tableName(s.source, s.stream);
        if (!(await wh.tableExists({ schema: "staging", name: table }))) {
          absent.set(`${s.source}.${s.stream}`, "not loaded");
          options.log.warn(
            { model: id, table: `staging.${table}` },
            `staging.${table} does not exist yet: ${id} reads it as empty (run \`trueup extract ${s.source}\` to load it)`,
          );
        }
      }
      const base = { dialect: wh.dialect, config: options.config, asOf, models: byName, absent };
      const full = compileModel(def, base).sql;
      const incremental =
        def.materialized === "incremental"
          ? compileModel(def, { ...base, isIncremental: true }).sql
          : undefined;
      const { tests, refs: testRefs } = compiledTests(def, base);
      const definitionHash = hashOf({
        version: STATE_VERSION,
        materialized: def.materialized,
        uniqueKey: def.uniqueKey,
        description: def.description,
        columns: def.columns,
        full,
        incremental,
        tests,
      });
      // Read before the check, which forgets the state of a node that must be rebuilt.
      const recorded = (await readNodeStates(wh, [id])).get(id);
      const due =
        def.materialized !== "view" &&
        (!recorded || verificationDue(recorded, options.config.verification.everyHours));
      const { inputs, previous } = await checkNodeState(
        wh,
        { node: id, definitionHash },
        (recorded) =>
          inputFingerprints(
            wh,
            {
              sources: node.model.sources.map((s) => ({
                ...s,
                absent: !!sourceAbsence(options.config, s.source) || absent.has(`${s.source}.${s.stream}`),
              })),
              models: [...new Set([...node.model.refs, ...testRefs])].filter((m) => m !== id).sort(),
              // A data test reads whatever it reads: its model counts as read whole.
              columns: Object.fromEntries(
                Object.entries(node.model.refColumns).filter(([m]) => !testRefs.includes(m)),
              ),
            },
            recorded,
          ),
        {
          skip: !options.fullRefresh,
          stillThere: () => wh.tableExists(node.model.relation),
          runId: options.runId,
        },
      );
      // Due for verification: a model that could be skipped is rebuilt in full and compared with
      // what it held; an incremental model merged this run is then rebuilt in full and compared
      // with the merge. Either way the full rebuild is what stays.
      const verifySkip = !!previous && !!recorded && due;
      const verifyMerge =
        !previous && !!recorded && due && def.materialized === "incremental" && !options.fullRefresh;
      if (previous && !verifySkip) {
        const before = previous.outcome as Pick<ModelOutcome, "result" | "tests">;
        const o: ModelOutcome = {
          model: id,
          status: "succeeded",
          seconds: (Date.now() - started) / 1000,
          result: before.result,
          tests: before.tests ?? [],
          skipped: "inputs unchanged",
        };
        outcomes.push(o);
        options.onModel?.(o);
        continue;
      }
      const held = verifySkip ? await contentChecksum(wh, node.model.relation) : undefined;
      let result = await materialize(
        wh,
        def,
        { full, incremental },
        { fullRefresh: options.fullRefresh || verifySkip },
      );
      const merged = verifyMerge ? await contentChecksum(wh, node.model.relation) : undefined;
      if (verifyMerge) result = await materialize(wh, def, { full, incremental }, { fullRefresh: true });
      const expected = held ?? merged;
      const verified = expected
        ? await compareWithFull(wh, node.model.relation, expected, { model: id, log: options.log })
        : undefined;
      const outcomesOfTests = await runTests(wh, tests);
      const failing = outcomesOfTests.filter((t) => t.failures > 0 && t.severity === "error");
      for (const t of outcomesOfTests.filter((t) => t.failures > 0)) {
        options.log[t.severity === "error" ? "error" : "warn"](
          { model: id, test: t.name, failures: t.failures },
          "data test failed",
        );
      }
      const o: ModelOutcome = {
        model: id,
        status: failing.length ? "failed" : "succeeded",
        seconds: (Date.now() - started) / 1000,
        result,
        tests: outcomesOfTests,
        error: failing.length
          ? `data tests failed: ${failing.map((t) => `${t.name} (${t.failures})`).join(", ")}`
          : undefined,
        verified,
      };
      if (!failing.length) {
        // A view stores nothing: what it returns follows from its definition and inputs alone. A
        // view over staging is keyed by what it returns, so loads it does not see stop there.
        // A verified model that held what a full rebuild makes keeps its key: nothing downstream
        // saw a change, so each model is verified against its own inputs, not rebuilt as changed.
        const outputKey =
          verified === "equal" && previous
            ? previous.outputKey
            : def.materialized !== "view"
              ? newOutputKey()
              : node.model.sources.length
                ? await viewContentKey(wh, node.model.relation, definitionHash)
                : hashOf({ definitionHash, inputs });
        // A merge is not a full build: an incremental model keeps the time of its last one.
        const merge = result.mode === "incremental-merge";
        const verifiedAt = merge
          ? (recorded?.outcome as Verified | undefined)?.verifiedAt
          : new Date().toISOString();
        await writeNodeState(
          wh,
          {
            node: id,
            definitionHash,
            inputs,
            outputKey,
            outcome: { result, tests: outcomesOfTests, verifiedAt },
          },
          options.runId,
        );
      }
      if (failing.length) failed.add(id);
      // A verification's rebuild replaced the table its kept state describes: forget that state.
      if (failing.length && verifySkip) await clearNodeState(wh, id);
      outcomes.push(o);
      options.onModel?.(o);
    } catch (err) {
      failed.add(id);
      const o: ModelOutcome = {
        model: id,
        status: "failed",
        seconds: (Date.now() - started) / 1000,
        tests: [],
        error: errorMessage(err) + absentNote(node.model.sources, options.config),
      };
      options.log.error({ model: id, err }, "model failed");
      outcomes.push(o);
      options.onModel?.(o);
    }
  }
  return outcomes;
}

/**
 * The periodic verification's comparison: the relation (just rebuilt in full) against what it
 * held before (`expected`). A difference means a run skipped or merged what it should not have:
 * a trueup defect, logged as an error with both checksums; the full rebuild replaces it.
 */
async function compareWithFull(
  wh: Warehouse,
  relation: { schema: string; name: string },
  expected: { rows: string; checksum: string },
  at: { model: string; log: Logger },
): Promise<"equal" | "differs"> {
  const full = await contentChecksum(wh, relation);
  if (full.rows === expected.rows && full.checksum === expected.checksum) return "equal";
  at.log.error(
    { model: at.model, held: expected, fullRebuild: full },
    `verification: ${at.model} differed from a full rebuild of the same inputs (a trueup defect; the full rebuild now stands)`,
  );
  return "differs";
}

/** Bumped when what a build writes changes, so every model's recorded state is out of date. */
const STATE_VERSION = 1;

/** The model's data tests, and the models they read (a relationships test reads another model). */
function compiledTests(
  def: ModelDefinition,
  base: Parameters<typeof compileModel>[1],
): { tests: CompiledTest[]; refs: string[] } {
  // The tests compile with the same ref() resolution as the model.
  let ctx: ModelContext | undefined;
  compileModel({ ...def, sql: (c) => ((ctx = c), "") }, base);
  const refs = new Set<string>();
  const recording: ModelContext = {
    ...ctx!,
    ref: (name) => {
      const r = base.models.get(name);
      if (r) refs.add(`${r.schema}.${r.name}`);
      return ctx!.ref(name);
    },
  };
  return { tests: compileTests(def, recording), refs: [...refs] };
}

async function runTests(wh: Warehouse, tests: readonly CompiledTest[]): Promise<TestOutcome[]> {
  const out: TestOutcome[] = [];
  for (const t of tests) {
    const rows = await wh.query<{ n: string }>(`SELECT count(*) AS n FROM (${t.sql}) failures`);
    out.push({ name: t.name, severity: t.severity, failures: Number(rows[0]!.n) });
  }
  return out;
}

/**
 * What an error of a model reading an absent system needs to be understood: the relation it read
 * was the empty stand-in, which has only the columns the built-in models read by name.
 */
function absentNote(sources: readonly { source: string; stream: string }[], config: Config): string {
  const absent = sources.filter((s) => sourceAbsence(config, s.source));
  if (!absent.length) return "";
  const list = absent.map((s) => `${s.source}.${s.stream} (${sourceAbsence(config, s.source)})`).join(", ");
  return ` (it reads ${list} as an empty relation with only the columns listed in models/canonical/staging-columns.ts; read other fields through _trueup_payload, or enable the source)`;
}
