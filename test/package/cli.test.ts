import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
