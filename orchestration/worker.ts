import { defaultAsOf } from "../core/as-of.js";
import os from "node:os";
import { createHash, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  makeWorkerUtils,
  run,
  runMigrations,
  type Runner,
  type Task,
  type WorkerEvents,
} from "graphile-worker";
import type { Credentials } from "../config/credentials.js";
import type { Config } from "../config/schema.js";
import { errorMessage } from "../core/errors.js";
import { redactError, redactText } from "../core/redact.js";
import type { Logger } from "../core/log.js";
import { newRunId } from "../core/run-id.js";
import type { ModelDefinition } from "../models/interfaces.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import type { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import { PermanentNodeError } from "./executors.js";
import { graphileLogger } from "./graphile-logger.js";
import { pipelineDag } from "./pipeline.js";
import { executorFor } from "./stages.js";
import { NODE_TASK, completeNode, enqueueRun, queueName, type RunPlan } from "./queue.js";
import { SharedRunLock } from "./run-lock.js";
import { select } from "../core/select.js";

export const SCHEDULE_TASK = "trueup_schedule";

export interface WorkerOptions {
  /** The orchestrator database (graphile-worker's queue and run history); the warehouse when it is Postgres. */
  orchestrator: PostgresWarehouse;
  /** Where the nodes run (Postgres or Snowflake); the queue and run history live in `orchestrator`. */
  warehouse: Warehouse;
  config: Config;
  credentials: Credentials;
  models: ModelDefinition[];
  log: Logger;
  concurrency?: number;
  /** How often this process says it is alive, and after how long silence another worker takes its jobs over. */
  heartbeatMs?: number;
  staleAfterMs?: number;
  pollIntervalMs?: number;
  /** Fire the config's schedules (default true). */
  schedules?: boolean;
}

export interface WorkerHandle {
  workerId: string;
  runner: Runner;
  stop(): Promise<void>;
}

/**
 * A cron item's identifier in graphile-worker's grammar ([_a-zA-Z][-_a-zA-Z0-9]*), stable across
 * restarts (it keys the worker's record of the last firing); a name outside the grammar gets a
 * hash of itself so that two such names stay apart.
 */
function cronId(key: string): string {
  const id = `trueup-${key}`;
  const safe = id.replace(/[^-_a-zA-Z0-9]/g, "_");
  return safe === id ? id : `${safe}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}

/**
 * The config's schedules as a graphile-worker crontab: each fires a queued run of its selection.
 * A sync with its own `schedule` fires a run of that sync node alone: it delivers the model as
 * the pipeline's schedules last built it (as a Hightouch sync reads its model).
 */
export function crontab(config: Config): string {
  const entries = [
    ...config.schedules.map((s) => ({
      cron: s.cron,
      key: `schedule-${s.name}`,
      name: s.name,
      select: s.select,
    })),
    ...config.syncs
      .filter((s) => s.schedule)
      .map((s) => ({
        cron: s.schedule!,
        key: `sync-${s.name}`,
        name: `sync.${s.name}`,
        select: `sync.${s.name}`,
      })),
  ];
  return entries
    .map(
      (e) =>
        // id: graphile-worker refuses two items of one task without their own identifiers.
        `${e.cron} ${SCHEDULE_TASK} ?id=${cronId(e.key)}&jobKey=${encodeURIComponent(`trueup-${e.key}`)}&max=1 ${JSON.stringify({ name: e.name, select: e.select })}`,
    )
    .join("\n");
}

/** Queues a run of the DAG (or a selection of it) for the workers; returns its run id. */
export async function queueRun(
  opts: Pick<WorkerOptions, "orchestrator" | "config" | "models">,
  plan: { select?: string; asOf?: string; fullRefresh?: boolean; runId?: string; command?: string },
): Promise<string> {
  await runMigrations({ pgPool: opts.orchestrator.pool });
  const asOf = plan.asOf ?? defaultAsOf();
  const dag = pipelineDag(opts.config, opts.models, { asOf });
  const selected = select(dag, plan.select);
  const runId = plan.runId ?? newRunId();
  const runPlan: RunPlan = {
    selected: [...selected],
    asOf,
    fullRefresh: plan.fullRefresh === true,
    selector: plan.select,
  };
  await enqueueRun(opts.orchestrator, dag, runId, runPlan, plan.command ?? "run");
  return runId;
}

/**
 * A graphile-worker process running DAG nodes as jobs. Any number of them, on any machines,
 * share one orchestrator database: a run started by one finishes on whichever picks its jobs.
 * A worker that dies without unlocking its jobs (SIGKILL, lost machine) stops heart-beating;
 * after `staleAfterMs` a live worker force-unlocks its jobs so the run goes on.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { orchestrator, log } = options;
  const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 6)}`;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const graphileIds: string[] = [];
  await runMigrations({ pgPool: orchestrator.pool, logger: graphileLogger(log) });
  const utils = await makeWorkerUtils({ pgPool: orchestrator.pool, logger: graphileLogger(log) });
  await orchestrator.query(
    `INSERT INTO trueup.workers (worker_id, host, pid) VALUES ($1, $2, $3)
     ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now()`,
    [workerId, os.hostname(), process.pid],
  );
  // Jobs write under the run lock, as in-process commands do: a scheduled run and a manual one
  // never write at once; jobs of one run share this process's hold.
  const runLock = new SharedRunLock(orchestrator, { log });

  const nodeTask: Task = async (payload, helpers) => {
    const { run_id: runId } = payload as { run_id: string };
    const [queued] = await orchestrator.query<{ command: string; plan: RunPlan }>(
      `SELECT command, plan FROM trueup.runs WHERE run_id = $1 AND status = 'running'`,
      [runId],
    );
    if (!queued) return; // finished or cancelled meanwhile
    // A job of a later queued run goes back to the queue for a while instead of holding a
    // worker slot: the earlier run's jobs may need every slot to finish.
    const earlier = await runLock.earlierRun(runId);
    if (earlier) {
      log.debug({ run: runId, earlier_run: earlier.run_id }, "waiting for an earlier queued run");
      const { node: nodeId } = payload as { node: string };
      const dag = pipelineDag(options.config, options.models, { asOf: queued.plan.asOf });
      await helpers.addJob(NODE_TASK, payload, {
        jobKey: helpers.job.key ?? undefined,
        queueName: (dag.nodes.has(nodeId) && queueName(dag.get(nodeId))) || undefined,
        maxAttempts: helpers.job.max_attempts,
        runAt: new Date(Date.now() + 2_000),
      });
      return;
    }
    const release = await runLock.acquire(runId, queued.command);
    try {
      await runNode(payload, helpers);
    } finally {
      await release();
    }
  };

  const runNode: Task = async (payload, helpers) => {
    const { run_id: runId, node: nodeId } = payload as { run_id: string; node: string };
    const [run] = await orchestrator.query<{ plan: RunPlan; status: string }>(
      `SELECT plan, status FROM trueup.runs WHERE run_id = $1`,
      [runId],
    );
    if (!run || run.status !== "running") return; // finished or cancelled meanwhile
    const [nr] = await orchestrator.query<{ status: string }>(
      `SELECT status FROM trueup.node_runs WHERE run_id = $1 AND node = $2`,
      [runId, nodeId],
    );
    if (!nr || !["pending", "running"].includes(nr.status)) return; // already completed: never twice
    const dag = pipelineDag(options.config, options.models, { asOf: run.plan.asOf });
    const finish = (c: Parameters<typeof completeNode>[4]) =>
      orchestrator.transaction((tx) => completeNode(tx, dag, runId, nodeId, c));
    if (!dag.nodes.has(nodeId)) {
      await finish({ status: "failed", error: `node ${nodeId} is not in this worker's config` });
      return;
    }
    await orchestrator.query(
      `UPDATE trueup.node_runs SET status = 'running', started_at = now(), attempts = attempts + 1, worker = $3
        WHERE run_id = $1 AND node = $2`,
      [runId, nodeId, workerId],
    );
    const node = dag.get(nodeId);
    const nodeLog = log.child({ run_id: runId, node: nodeId, worker: workerId });
    nodeLog.debug({ kind: node.kind, attempt: helpers.job.attempts }, "node started");
    try {
      const r = await executorFor(node.kind)(node, {
        warehouse: options.warehouse,
        config: options.config,
        credentials: options.credentials,
        models: options.models,
        runId,
        log: nodeLog,
        asOf: run.plan.asOf,
        fullRefresh: run.plan.fullRefresh,
      });
      await finish({ status: "succeeded", rows: r.rows, details: r.details });
      nodeLog.debug({ rows: r.rows }, "node succeeded");
    } catch (err) {
      const error = redactText(errorMessage(err));
      const last = helpers.job.attempts >= helpers.job.max_attempts;
      if (err instanceof PermanentNodeError || last) {
        nodeLog.error({ err, attempts: helpers.job.attempts }, "node failed");
        await finish({ status: "failed", error });
        return;
      }
      // Transient: graphile-worker retries with exponential backoff.
      nodeLog.warn({ err, attempts: helpers.job.attempts }, "node failed; will retry");
      await orchestrator.query(
        `UPDATE trueup.node_runs SET status = 'pending', error = $3 WHERE run_id = $1 AND node = $2`,
        [runId, nodeId, `attempt ${helpers.job.attempts}: ${error}`],
      );
      // graphile-worker stores the message in its jobs table.
      throw redactError(err);
    }
  };

  const scheduleTask: Task = async (payload) => {
    const { name, select: sel } = payload as { name: string; select: string };
    const runId = await queueRun(options, { select: sel, command: `schedule:${name}` });
    log.info({ schedule: name, run: runId }, "scheduled run queued");
  };

  // Listen before run(): it creates its workers before it returns.
  const events = new EventEmitter() as WorkerEvents;
  events.on("worker:create", ({ worker }) => {
    graphileIds.push(worker.workerId);
    void orchestrator
      .query(`UPDATE trueup.workers SET graphile_worker_ids = $2 WHERE worker_id = $1`, [
        workerId,
        graphileIds,
      ])
      .catch(() => {});
  });
  const runner = await run({
    events,
    pgPool: orchestrator.pool,
    concurrency: options.concurrency ?? options.config.orchestrator.concurrency,
    noHandleSignals: true,
    pollInterval: options.pollIntervalMs ?? 1000,
    taskList: { [NODE_TASK]: nodeTask, [SCHEDULE_TASK]: scheduleTask },
    crontab: options.schedules === false ? "" : crontab(options.config),
    logger: graphileLogger(log),
  });
  runner.events.on("worker:create", ({ worker }) => {
    graphileIds.push(worker.workerId);
    void orchestrator
      .query(`UPDATE trueup.workers SET graphile_worker_ids = $2 WHERE worker_id = $1`, [
        workerId,
        graphileIds,
      ])
      .catch(() => {});
  });

  const beat = setInterval(() => {
    void (async () => {
      await orchestrator.query(`UPDATE trueup.workers SET heartbeat_at = now() WHERE worker_id = $1`, [
        workerId,
      ]);
      const dead = await orchestrator.query<{ worker_id: string; graphile_worker_ids: string[] }>(
        `DELETE FROM trueup.workers WHERE heartbeat_at < now() - make_interval(secs => $1) AND worker_id <> $2
         RETURNING worker_id, graphile_worker_ids`,
        [staleAfterMs / 1000, workerId],
      );
      for (const d of dead) {
        if (d.graphile_worker_ids.length) await utils.forceUnlockWorkers(d.graphile_worker_ids);
        log.warn(
          { dead_worker: d.worker_id },
          "a worker stopped heart-beating; its jobs were unlocked for others",
        );
      }
    })().catch((err) => log.warn({ err }, "heartbeat failed"));
  }, heartbeatMs);

  let stopped = false;
  return {
    workerId,
    runner,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(beat);
      await runner.stop();
      await runLock.close();
      await utils.release();
      await orchestrator.query(`DELETE FROM trueup.workers WHERE worker_id = $1`, [workerId]).catch(() => {});
    },
  };
}

/** Waits until a queued run has finished; returns its status. */
export async function waitForRun(
  orchestrator: PostgresWarehouse,
  runId: string,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  for (;;) {
    const [r] = await orchestrator.query<{ status: string }>(
      `SELECT status FROM trueup.runs WHERE run_id = $1`,
      [runId],
    );
    if (r && r.status !== "running") return r.status;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish in time`);
    await new Promise((res) => setTimeout(res, options.pollMs ?? 250));
  }
}
