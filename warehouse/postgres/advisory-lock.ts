import type pg from "pg";

/**
 * Session-level advisory locks on one dedicated connection: held until released or until the
 * connection ends, so a process that dies (SIGKILL, lost machine) frees its lock by itself.
 * Names are hashed to the lock key the same way as `lockForTransaction`'s. A shared hold
 * excludes exclusive ones only (several holders at once).
 */
export async function tryAdvisoryLock(client: pg.Client, name: string, shared = false): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT ${shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock"}(hashtext($1)) AS ok`,
    [`trueup:${name}`],
  );
  return rows[0]?.ok === true;
}

export async function advisoryUnlock(client: pg.Client, name: string, shared = false): Promise<void> {
  await client.query(`SELECT ${shared ? "pg_advisory_unlock_shared" : "pg_advisory_unlock"}(hashtext($1))`, [
    `trueup:${name}`,
  ]);
}

/** The server process id of this connection (recorded so others can tell who holds a lock). */
export async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return Number(rows[0]!.pid);
}
