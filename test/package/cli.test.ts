import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder whose config logs only errors; `build --list` needs no warehouse. */
function quietProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-cli-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "trueup.config.mjs"), `export default { log: { level: "error" } };\n`);
  return dir;
}

const jsonLines = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: string; msg: string; run_id?: string; config?: string });

describe("the trueup command line", () => {
  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("a subcommand's --help shows the global options", async () => {
    const r = await runCli(["run", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--select <sel>");
    const globals = r.stdout.slice(r.stdout.indexOf("Global Options:"));
    expect(r.stdout).toContain("Global Options:");
    for (const flag of ["--config <file>", "--json", "--log-format <format>", "--version"])
      expect(globals).toContain(flag);
  });

  it("TRUEUP_LOG_LEVEL overrides the config's log.level", async () => {
    const dir = quietProject();
    const quiet = await runCli(["build", "--list"], { cwd: dir, env: { TRUEUP_LOG_LEVEL: "" } });
    expect(quiet.code).toBe(0);
    expect(jsonLines(quiet.stderr)).toEqual([]);
    const loud = await runCli(["build", "--list"], { cwd: dir, env: { TRUEUP_LOG_LEVEL: "debug" } });
    expect(loud.code).toBe(0);
    const loaded = jsonLines(loud.stderr).find((l) => l.msg === "config loaded");
    expect(loaded).toMatchObject({ level: "debug", config: path.join(dir, "trueup.config.mjs") });
    expect(loaded?.run_id).toMatch(/\S/);
  });

  it("a TRUEUP_LOG_LEVEL that is not a level is a configuration error", async () => {
    const r = await runCli(["build", "--list"], {
      cwd: quietProject(),
      env: { TRUEUP_LOG_LEVEL: "verbose" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'TRUEUP_LOG_LEVEL must be one of trace, debug, info, warn, error (or unset), got "verbose"',
    );
  });

  it("--log-format json writes JSON lines, pretty writes none", async () => {
    const dir = quietProject();
    const env = { TRUEUP_LOG_LEVEL: "debug" };
    const json = await runCli(["--log-format", "json", "build", "--list"], { cwd: dir, env });
    expect(json.code).toBe(0);
    expect(jsonLines(json.stderr).map((l) => l.msg)).toContain("config loaded");
    const pretty = await runCli(["build", "--list", "--log-format", "pretty"], { cwd: dir, env });
    expect(pretty.code).toBe(0);
    expect(pretty.stderr).toMatch(/DEBUG.*config loaded/);
    expect(jsonLines(pretty.stderr)).toEqual([]);
    const bad = await runCli(["--log-format", "xml", "build", "--list"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("xml");
  });
});

/**
 * Starts `trueup sandbox … --env-file F` the given way, waits for F, stops it with SIGTERM; the
 * exit code and F's text.
 */
async function sandboxEnvFile(
  command: string,
  args: string[],
): Promise<{ code: number | null; env: string; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-envfile-"));
  dirs.push(dir);
  const file = path.join(dir, ".env.sandbox");
  const child = spawn(
    command,
    [...args, "sandbox", "--seed", "2", "--scale", "0.02", "--port", "0", "--env-file", file],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, TRUEUP_LOG_LEVEL: "" },
      // Its own process group: npx does not pass SIGTERM on to the command it started.
      detached: true,
    },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const deadline = Date.now() + 60_000;
  while (!existsSync(file) && child.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  process.kill(-child.pid!, "SIGTERM");
  const code = await exited;
  return { code, env: existsSync(file) ? readFileSync(file, "utf8") : "", stderr };
}

describe("--env-file reaches trueup sandbox, in the checkout", () => {
  it("through npx (with -- so that npx's own node leaves the flag alone)", async () => {
    const r = await sandboxEnvFile("npx", ["--", "trueup"]);
    expect(r.stderr).not.toContain("not found");
    expect(r.env).toMatch(/^STRIPE_API_BASE=http:\/\/127\.0\.0\.1:\d+$/m);
  });

  it("through bin/trueup, as node_modules/.bin/trueup runs it", async () => {
    const r = await sandboxEnvFile(path.join(REPO_ROOT, "bin", "trueup"), []);
    expect(r.env).toMatch(/^STRIPE_API_KEY=\S+$/m);
    // SIGTERM is a clean stop.
    expect(r.code).toBe(143);
  });
});
