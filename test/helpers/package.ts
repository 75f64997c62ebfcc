import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./cli.js";

const exec = promisify(execFile);

/** What goes into the tarball or decides how it is built; a change to any of it means a new pack. */
const PACKED = [
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "README.md",
  "index.ts",
  "trueup.config.ts",
  "bin",
  "api",
  "docs",
  "cli",
  "config",
  "core",
  "warehouse",
  "extract",
  "load",
  "models",
  "reconcile",
  "reverse",
  "orchestration",
  "sandbox",
  "serve",
];

const CACHE = path.join(REPO_ROOT, ".trueup", "package");

async function listFiles(rel: string): Promise<string[]> {
  const abs = path.join(REPO_ROOT, rel);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat) return [];
  if (stat.isFile()) return [rel];
  const out: string[] = [];
  for (const e of await fs.readdir(abs, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    out.push(...(await listFiles(path.join(rel, e.name))));
  }
  return out.sort();
}

/** A hash of every packed source file's path and content. */
export async function sourceHash(): Promise<string> {
  const h = createHash("sha256");
  for (const top of PACKED) {
    for (const f of await listFiles(top)) {
      h.update(f)
        .update("\0")
        .update(await fs.readFile(path.join(REPO_ROOT, f)))
        .update("\0");
    }
  }
  return h.digest("hex").slice(0, 16);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A lock between processes (test files run in parallel forks, and several people test in one checkout). */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await fs.mkdir(lock);
      await fs.writeFile(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(await fs.readFile(path.join(lock, "pid"), "utf8").catch(() => "0"));
      const age = Date.now() - ((await fs.stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
      // A holder that died leaves its lock behind; a lock with no pid yet is being taken right now
      // (unless it has had no pid for a while: its taker died in between).
      if ((pid > 0 && !alive(pid)) || (pid === 0 && age > 30_000))
        await fs.rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`, { cause: err });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

/**
 * The tarball `npm pack` makes of this checkout, built once per source state and shared by every
 * test file (cached in .trueup/package/<hash>/). It is packed from a copy of the sources so that
 * `prepack` (the real build) runs without touching the checkout's own dist/.
 */
export async function packTarball(): Promise<string> {
  const hash = await sourceHash();
  const dir = path.join(CACHE, hash);
  const done = path.join(dir, "tarball");
  if (existsSync(done)) return readFileSync(done, "utf8");
  await fs.mkdir(CACHE, { recursive: true });
  return withLock(path.join(CACHE, "pack.lock"), async () => {
    if (existsSync(done)) return readFileSync(done, "utf8");
    const stage = await fs.mkdtemp(path.join(os.tmpdir(), "trueup-pack-"));
    try {
      for (const top of PACKED) {
        for (const f of await listFiles(top)) {
          await fs.mkdir(path.dirname(path.join(stage, f)), { recursive: true });
          await fs.copyFile(path.join(REPO_ROOT, f), path.join(stage, f));
        }
      }
      await fs.chmod(path.join(stage, "bin/trueup"), 0o755);
      await fs.symlink(path.join(REPO_ROOT, "node_modules"), path.join(stage, "node_modules"), "dir");
      await fs.mkdir(dir, { recursive: true });
      const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", dir], {
        cwd: stage,
        maxBuffer: 64 * 1024 * 1024,
      });
      const [info] = JSON.parse(stdout) as { filename: string }[];
      const tarball = path.join(dir, info!.filename);
      await fs.writeFile(done, tarball);
      await pruneStale(CACHE, hash);
      return tarball;
    } finally {
      await fs.rm(stage, { recursive: true, force: true });
    }
  });
}

/** The paths inside a tarball (without the leading `package/`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await exec("tar", ["-tzf", tarball], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/^package\//, ""));
}

export interface InstalledProject {
  /** The user's project folder: a package.json and node_modules/trueup installed from the tarball. */
  dir: string;
  tarball: string;
  /** Runs a command in the project (e.g. `npx`, `node`), capturing its output. */
  run(
    command: string,
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  remove(): Promise<void>;
}

/** npm's install of a tarball, done once per tarball and copied (hard links) into each project. */
const INSTALLS = path.join(os.tmpdir(), "trueup-package-installs");

async function installedOnce(tarball: string): Promise<string> {
  const key = path.basename(path.dirname(tarball));
  const dir = path.join(INSTALLS, key);
  const done = path.join(dir, "done");
  if (existsSync(done)) return dir;
  await fs.mkdir(INSTALLS, { recursive: true });
  return withLock(path.join(INSTALLS, `${key}.lock`), async () => {
    if (existsSync(done)) return dir;
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "trueup-install", private: true }),
    );
    await exec(
      "npm",
      ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      },
    );
    await fs.writeFile(done, new Date().toISOString());
    await pruneStale(INSTALLS, key);
    return dir;
  });
}

/**
 * Removes cached packs or installs of older sources (each install is a quarter of a gigabyte),
 * leaving `keep` and anything touched in the last hour (another test run may be using it).
 */
async function pruneStale(root: string, keep: string): Promise<void> {
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === keep || e.name.endsWith(".lock")) continue;
    const p = path.join(root, e.name);
    const age = Date.now() - (await fs.stat(p)).mtimeMs;
    if (age > 60 * 60_000) await fs.rm(p, { recursive: true, force: true });
  }
}

/**
 * A fresh folder outside the checkout with trueup installed from the packed tarball by npm, as a
 * user's project gets it (no link back to this checkout). `type` is the project's package.json
 * "type" (CommonJS when omitted, as npm init writes it). npm runs once per tarball (about a
 * minute and a half on a loaded machine); each project gets a hard-linked copy of that install.
 */
export async function installPackage(
  options: { type?: "module" | "commonjs"; packageJson?: Record<string, unknown> } = {},
): Promise<InstalledProject> {
  const tarball = await packTarball();
  const source = await installedOnce(tarball);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "trueup-user-"));
  // mkdtemp makes it 0700; as root the embedded Postgres runs as `postgres`, which must enter it.
  await fs.chmod(dir, 0o755);
  const installedPkg = JSON.parse(await fs.readFile(path.join(source, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const pkg: Record<string, unknown> = {
    name: "trueup-user-project",
    version: "1.0.0",
    private: true,
    dependencies: installedPkg.dependencies,
  };
  if (options.type) pkg.type = options.type;
  await fs.writeFile(
    path.join(dir, "package.json"),
    JSON.stringify({ ...pkg, ...options.packageJson }, null, 2),
  );
  await fs.copyFile(path.join(source, "package-lock.json"), path.join(dir, "package-lock.json"));
  await exec("cp", ["-al", path.join(source, "node_modules"), path.join(dir, "node_modules")]).catch(() =>
    exec("cp", ["-a", path.join(source, "node_modules"), path.join(dir, "node_modules")]),
  );
  return {
    dir,
    tarball,
    async run(command, args, runOptions = {}) {
      try {
        const { stdout, stderr } = await exec(command, args, {
          cwd: runOptions.cwd ?? dir,
          // The checkout's own variables (a test Postgres, log level) must not leak into the user's run.
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...runOptions.env },
          timeout: runOptions.timeoutMs ?? 120_000,
          maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: number | string; stdout?: string; stderr?: string };
        return {
          code: typeof e.code === "number" ? e.code : 1,
          stdout: e.stdout ?? "",
          stderr: e.stderr ?? "",
        };
      }
    },
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
