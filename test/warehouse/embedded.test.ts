import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EmbeddedInUseError, startEmbedded, type EmbeddedHandle } from "../../warehouse/postgres/embedded.js";

const children: ChildProcess[] = [];
const parents: string[] = [];
afterAll(() => {
  for (const p of parents) rmSync(p, { recursive: true, force: true });
});
const handles: EmbeddedHandle[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  for (const h of handles.splice(0)) await h.stop().catch(() => {});
});

function freshDir(): string {
  const parent = mkdtempSync(path.join(tmpdir(), "trueup-emb-"));
  // mkdtemp makes it 0700; when the suite runs as root, Postgres runs as `postgres` and must traverse it.
  chmodSync(parent, 0o755);
  parents.push(parent);
  return path.join(parent, "pg");
}

async function holdInChild(
  dir: string,
): Promise<{ child: ChildProcess; pid: number; port: number; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/hold-embedded.ts", dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`child exited with ${code} before starting Postgres`)));
  });
  return { child, ...(JSON.parse(line) as { pid: number; port: number; url: string }) };
}

async function markerPids(url: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ pid: number }>("SELECT pid FROM marker ORDER BY pid")).rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

describe("embedded warehouse", () => {
  it("initialises once, then reuses the folder and its data", async () => {
    const dir = freshDir();
    const first = await startEmbedded({ dir });
    handles.push(first);
    expect(first.initialised).toBe(true);
    const c = new pg.Client({ connectionString: first.url });
    await c.connect();
    await c.query("CREATE TABLE kept (v text)");
    await c.query("INSERT INTO kept VALUES ('still here')");
    await c.end();
    await first.stop();

    const second = await startEmbedded({ dir });
    handles.push(second);
    expect(second.initialised).toBe(false);
    const c2 = new pg.Client({ connectionString: second.url });
    await c2.connect();
    expect((await c2.query("SELECT v FROM kept")).rows).toEqual([{ v: "still here" }]);
    await c2.end();
    // The secret stays in the folder, readable only by its owner.
    const state = path.join(dir, "state.json");
    expect(JSON.parse(readFileSync(state, "utf8")).password).toBeTruthy();
  });

  it("refuses a second process while the first holds the folder, naming the holder", async () => {
    const dir = freshDir();
    const holder = await holdInChild(dir);
    const attempt = startEmbedded({ dir });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedInUseError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`in use by process ${holder.pid}.*127\\.0\\.0\\.1:${holder.port}`),
    );
    // The holder's server is untouched.
    expect(await markerPids(holder.url)).toEqual([holder.pid]);
  });

  it("recovers after the holder is SIGKILLed: the orphaned server is replaced and the data survives", async () => {
    const dir = freshDir();
    const holder = await holdInChild(dir);
    holder.child.kill("SIGKILL");
    await new Promise((r) => holder.child.once("exit", r));
    const next = await startEmbedded({ dir });
    handles.push(next);
    expect(next.initialised).toBe(false);
    expect(await markerPids(next.url)).toEqual([holder.pid]);
    // The orphan on the old port is gone (a new server on a new port answers).
    const old = new pg.Client({ connectionString: holder.url, connectionTimeoutMillis: 2000 });
    await expect(old.connect()).rejects.toThrow();
  });
});
