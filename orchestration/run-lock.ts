import os from "node:os";
import type pg from "pg";
import { TrueupError, errorMessage } from "../core/errors.js";
import { logger as rootLogger, type Logger } from "../core/log.js";
import { advisoryUnlock, backendPid, tryAdvisoryLock } from "../warehouse/postgres/advisory-lock.js";
import type { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";

/**
 * The run lock: one trueup command writes to a warehouse at a time (`trueup run`, `extract`,
 * `build`, `reconcile`, `sync`, and each job of `trueup worker`).
 *
 * It is a Postgres advisory lock held on a connection of its own, in the database that keeps
 * run history (the warehouse when it is Postgres; the orchestrator's Postgres for Snowflake).
 * A process that dies loses its connection and with it the lock, so whoever takes the lock next
 * knows every run still marked `running` (other than queued worker runs) is dead, and marks it
 * `abandoned`, with the time it was last seen (the holder heart-beats `trueup.runs.last_seen_at`).
 *
 * How a command takes it:
 *
 * ```ts
 * const lock = await acquireRunLock(historyDb, { runId, command: "sync", waitMs, onWait });
 * try {
 *   // … every warehouse write of the command …
 * } finally {
 *   await lock.release();
 * }
 * ```
 *
 * From the CLI, `await lockRun(ctx, "sync")` (cli/run-lock.ts) does this, honours
 * `--lock-wait <seconds>` / `TRUEUP_LOCK_WAIT`, prints whom it waits for, and releases on exit.
 * Take it before the first write and before `RunRecorder.start`, so the run's history row is
 * only ever written by the lock's holder.
 */
export const RUN_LOCK = "run";

export interface RunLockHolder {
  runId: string;
  command: string;
  host: string;
  pid: number;
  acquiredAt: Date;
  lastSeenAt: Date;
}

export function describeHolder(h: RunLockHolder | undefined): string {
  if (!h) return "another trueup process (it has not recorded itself yet)";
  return (
    `run ${h.runId} (trueup ${h.command}) on host ${h.host}, pid ${h.pid}, ` +
    `started ${new Date(h.acquiredAt).toISOString()}, last seen ${new Date(h.lastSeenAt).toISOString()}`
  );
}

/** Another run holds the warehouse and this one would not (or no longer) wait. */
export class RunLockBusyError extends TrueupError {
  constructor(
    readonly holder: RunLockHolder | undefined,
    waitedMs: number,
  ) {
    super(
      `another trueup run is writing to this warehouse: ${describeHolder(holder)}. ` +
        (waitedMs > 0 ? `Waited ${Math.round(waitedMs / 1000)} s. ` : "") +
        `Wait for it to finish and try again, or give --lock-wait <seconds> (TRUEUP_LOCK_WAIT) to wait longer; ` +
        `leave both unset to wait as long as it takes.`,
    );
  }
}

export interface AcquireRunLockOptions {
  runId: string;
  command: string;
  /** How long to wait for a run in progress: unset waits as long as it takes, 0 refuses at once. */
  waitMs?: number;
  /** Called once when the lock is busy, with the run holding it (e.g. to say whom it waits for). */
  onWait?: (holder: RunLockHolder | undefined) => void;
  pollMs?: number;
  heartbeatMs?: number;
  log?: Logger;
  /** A worker's hold: shared with other workers' (see SharedRunLock), exclusive of commands'. */
  shared?: boolean;
}

export interface RunLock {
  readonly runId: string;
  /** Runs found `running` with no live holder when the lock was taken, now marked abandoned. */
  readonly abandoned: { runId: string; lastSeenAt: Date }[];
  /** Settles if the lock's connection is lost: the lock is gone and writes are no longer serialised. */
  readonly lost: Promise<Error>;
  release(): Promise<void>;
}

async function readHolder(client: pg.Client): Promise<RunLockHolder | undefined> {
  const { rows } = await client.query<{
    run_id: string;
    command: string;
    host: string;
    pid: number;
    acquired_at: Date;
    last_seen_at: Date;
  }>(
    // Only a row whose connection holds the lock now: the holder takes the lock before it writes
    // its row, and a row left by a holder that died names a run that is gone.
    `SELECT run_id, command, host, pid, acquired_at, last_seen_at FROM trueup.run_lock r
      WHERE lock_name = $1
        AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = r.backend_pid)`,
    [RUN_LOCK],
  );
  const r = rows[0];
  return (
    r && {
      runId: r.run_id,
      command: r.command,
      host: r.host,
      pid: Number(r.pid),
      acquiredAt: r.acquired_at,
      lastSeenAt: r.last_seen_at,
    }
  );
}

/**
 * Marks runs left `running` by a dead process as abandoned, with their running or pending nodes.
 * Only called by the lock's holder: any other in-process run would hold the lock if it lived.
 * Queued runs (a plan, run by workers job by job) are the workers' to finish.
 */
async function markAbandoned(client: pg.Client, runId: string) {
  await client.query("BEGIN");
  try {
    const { rows } = await client.query<{ run_id: string; last_seen_at: Date }>(
      `UPDATE trueup.runs
          SET status = 'abandoned',
              finished_at = coalesce(last_seen_at, started_at),
              error = 'abandoned: the process (host ' || coalesce(host, '?') || ', pid ' || coalesce(pid::text, '?') ||
                      ') stopped without finishing (killed or lost); last seen ' ||
                      to_char(coalesce(last_seen_at, started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ||
                      '. What it committed stays; run again to finish the work.'
        WHERE status = 'running' AND plan IS NULL AND run_id <> $1
        RETURNING run_id, coalesce(last_seen_at, started_at) AS last_seen_at`,
      [runId],
    );
    if (rows.length)
      await client.query(
        `UPDATE trueup.node_runs SET status = 'abandoned', error = 'abandoned with its run'
          WHERE run_id = ANY($1) AND status IN ('running', 'pending')`,
        [rows.map((r) => r.run_id)],
      );
    await client.query("COMMIT");
    return rows.map((r) => ({ runId: r.run_id, lastSeenAt: r.last_seen_at }));
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** This process's hold on the lock, so a library call under a command that holds it does not wait on itself. */
let current: { runId: string; lock: RunLock; users: number } | undefined;

/**
 * Takes the run lock (waiting as `waitMs` says); see the module comment for how to use it.
 * Re-entrant for one run id within a process: a nested take shares the outer hold.
 */
export async function acquireRunLock(
  db: PostgresWarehouse,
  options: AcquireRunLockOptions,
): Promise<RunLock> {
  if (options.shared) return takeRunLock(db, options);
  let hold = current?.runId === options.runId ? current : undefined;
  const fresh = !hold;
  if (hold) hold.users++;
  else current = hold = { runId: options.runId, lock: await takeRunLock(db, options), users: 1 };
  const h = hold;
  let done = false;
  return {
    runId: h.runId,
    abandoned: fresh ? h.lock.abandoned : [],
    lost: h.lock.lost,
    async release() {
      if (done) return;
      done = true;
      if (--h.users > 0) return;
      if (current === h) current = undefined;
      await h.lock.release();
    },
  };
}

async function takeRunLock(db: PostgresWarehouse, options: AcquireRunLockOptions): Promise<RunLock> {
  const log = (options.log ?? rootLogger()).child({ component: "run-lock" });
  const client = await db.dedicatedClient(`trueup-run-lock ${options.runId}`.slice(0, 63));
  const started = Date.now();
  let told = false;
  try {
    while (!(await tryAdvisoryLock(client, RUN_LOCK, options.shared))) {
      const holder = await readHolder(client);
      const waited = Date.now() - started;
      if (options.waitMs !== undefined && waited >= options.waitMs)
        throw new RunLockBusyError(holder, waited);
      // Say whom it waits for once the holder has recorded itself (it does so right after taking
      // the lock); after a few seconds without a record, say that instead.
      if (!told && (holder || waited >= 3_000)) {
        told = true;
        log.info({ holder }, "waiting for the run holding the warehouse");
        options.onWait?.(holder);
      }
      const left = options.waitMs === undefined ? Infinity : options.waitMs - waited;
      await new Promise((r) => setTimeout(r, Math.max(10, Math.min(options.pollMs ?? 500, left))));
    }
    await client.query(
      `INSERT INTO trueup.run_lock (lock_name, run_id, command, host, pid, backend_pid, acquired_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, now(), now())
       ON CONFLICT (lock_name) DO UPDATE SET run_id = EXCLUDED.run_id, command = EXCLUDED.command,
         host = EXCLUDED.host, pid = EXCLUDED.pid, backend_pid = EXCLUDED.backend_pid,
         acquired_at = now(), last_seen_at = now()`,
      [RUN_LOCK, options.runId, options.command, os.hostname(), process.pid, await backendPid(client)],
    );
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  const abandoned = await markAbandoned(client, options.runId).catch(async (err) => {
    await client.end().catch(() => {});
    throw err;
  });
  for (const a of abandoned)
    log.warn({ abandoned_run: a.runId, last_seen_at: a.lastSeenAt }, "marked an abandoned run");

  let released = false;
  const lost = new Promise<Error>((resolve) => {
    client.once("end", () => {
      if (released) return;
      const err = new Error("the run lock's connection ended; writes are no longer serialised");
      log.error({ run: options.runId }, err.message);
      resolve(err);
    });
  });
  const beat = setInterval(() => {
    client
      .query(
        `WITH l AS (UPDATE trueup.run_lock SET last_seen_at = now() WHERE lock_name = $1 AND run_id = $2)
         UPDATE trueup.runs SET last_seen_at = now() WHERE run_id = $2`,
        [RUN_LOCK, options.runId],
      )
      .catch((err) => log.warn({ err: errorMessage(err) }, "run lock heartbeat failed"));
  }, options.heartbeatMs ?? 5_000);
  beat.unref();
  return {
    runId: options.runId,
    abandoned,
    lost,
    async release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      try {
        await client.query(`UPDATE trueup.runs SET last_seen_at = now() WHERE run_id = $1`, [options.runId]);
        await advisoryUnlock(client, RUN_LOCK, options.shared);
      } catch {
        /* the connection's end frees the lock anyway */
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

/**
 * The run lock as a worker process holds it: shared with other workers (so the jobs of one
 * queued run spread over every worker, as graphile-worker hands them out), exclusive of the
 * commands' in-process runs. Queued runs themselves go one at a time, oldest first: a job of a
 * later queued run waits until every earlier one has finished. The hold is released whenever no
 * job of this process needs it, so a waiting command gets its turn between jobs.
 */
export class SharedRunLock {
  private users = 0;
  private lock: Promise<RunLock> | undefined;

  constructor(
    private readonly db: PostgresWarehouse,
    private readonly options: Omit<AcquireRunLockOptions, "runId" | "command" | "shared"> = {},
  ) {}

  /** Takes the lock for a job of `runId` (waiting as needed); call the returned function when the job ends. */
  async acquire(runId: string, command: string): Promise<() => Promise<void>> {
    await this.waitForEarlierRuns(runId);
    this.users++;
    try {
      this.lock ??= acquireRunLock(this.db, { ...this.options, runId, command, shared: true });
      await this.lock;
    } catch (err) {
      this.users--;
      this.lock = undefined;
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (--this.users > 0) return;
      const lock = this.lock;
      this.lock = undefined;
      await (await lock)?.release();
    };
  }

  /** The oldest queued run still running that was queued before `runId` (its jobs go first). */
  async earlierRun(runId: string): Promise<{ run_id: string; command: string } | undefined> {
    const [earlier] = await this.db.query<{ run_id: string; command: string }>(
      `SELECT e.run_id, e.command FROM trueup.runs e, trueup.runs r
        WHERE r.run_id = $1 AND e.status = 'running' AND e.plan IS NOT NULL
          AND (e.started_at, e.run_id) < (r.started_at, r.run_id)
        ORDER BY e.started_at, e.run_id LIMIT 1`,
      [runId],
    );
    return earlier;
  }

  private async waitForEarlierRuns(runId: string): Promise<void> {
    let told = false;
    for (;;) {
      const earlier = await this.earlierRun(runId);
      if (!earlier) return;
      if (!told) {
        told = true;
        (this.options.log ?? rootLogger()).info(
          { run: runId, earlier_run: earlier.run_id, command: earlier.command },
          "waiting for an earlier queued run to finish",
        );
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 500));
    }
  }

  async close(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    this.users = 0;
    await (await lock?.catch(() => undefined))?.release();
  }
}
