import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { resolveUsers } from "../../serve/auth.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

const BIN = path.join(REPO_ROOT, "bin/trueup.js");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(serve: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-serve-users-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "trueup.config.mjs"), `export const config = ${JSON.stringify({ serve })};\n`);
  return dir;
}

function hashFromCli(password: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", "--hash-password"], {
      cwd: project({}),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(password);
  });
}

describe("trueup serve users", () => {
  it("--hash-password prints a scrypt hash that signs the user in with that password only", async () => {
    const r = await hashFromCli("s3cret-Horse-Battery");
    expect(r.code, r.stderr).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const config = parseConfig({ serve: { users: { ada: { role: "approver", passwordHash: hash } } } });
    const users = resolveUsers(config.serve, {});
    expect(await users.verify("ada", "s3cret-Horse-Battery")).toEqual({ name: "ada", role: "approver" });
    expect(await users.verify("ada", "s3cret-Horse-Batterz")).toBeUndefined();
    expect(await users.verify("bob", "s3cret-Horse-Battery")).toBeUndefined();
  });

  it("takes a password from the user's variable and refuses to start without it, naming the variable", async () => {
    const config = parseConfig({ serve: { users: { "pat.lee": { role: "preparer" } } } });
    const users = resolveUsers(config.serve, { TRUEUP_USER_PAT_LEE_PASSWORD: "pat-pw-12345" });
    expect(await users.verify("pat.lee", "pat-pw-12345")).toEqual({ name: "pat.lee", role: "preparer" });
    expect(await users.verify("pat.lee", "pat-pw-1234")).toBeUndefined();

    const dir = project({ users: { pat: { role: "preparer" } } });
    const env = { TRUEUP_USER_PAT_PASSWORD: "" };
    const r = await runCli(["serve", "--port", "0"], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("set TRUEUP_USER_PAT_PASSWORD");
  });

  it("refuses a password written into the config, and an unknown role", async () => {
    const withPassword = await runCli(["serve", "--port", "0"], {
      cwd: project({ users: { pat: { role: "preparer", password: "in-the-file-999" } } }),
    });
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toMatch(/password/);
    expect(withPassword.stderr).not.toContain("in-the-file-999");
    const badRole = await runCli(["serve", "--port", "0"], {
      cwd: project({ users: { pat: { role: "admin" } } }),
    });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/role/);
  });

  it("refuses to start with no users", async () => {
    const r = await runCli(["serve", "--port", "0"], { cwd: project({}) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("serve.users");
  });
});
