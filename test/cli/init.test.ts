import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function emptyDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-init-"));
  dirs.push(dir);
  return dir;
}

const FILES = [
  "package.json",
  "trueup.config.ts",
  ".env.example",
  ".gitignore",
  "models/analytics/customer_invoice_totals.sql",
  "models/open_invoices_by_entity.ts",
  "rules/customer-totals.ts",
];

/** Every environment variable trueup's own code reads (process.env.X, env.X, env["X"]). */
function variablesRead(): string[] {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts"))
        for (const m of readFileSync(p, "utf8").matchAll(/\benv(?:\.|\["|, ")([A-Z][A-Z0-9_]{3,})/g))
          names.add(m[1]!);
    }
  };
  for (const top of [
    "api",
    "serve",
    "cli",
    "config",
    "core",
    "extract",
    "load",
    "models",
    "reconcile",
    "reverse",
    "orchestration",
    "warehouse",
  ])
    if (existsSync(path.join(REPO_ROOT, top))) walk(path.join(REPO_ROOT, top));
  return [...names].sort();
}

describe("trueup init", () => {
  it("writes a project into a new folder and prints the next two commands", async () => {
    const parent = emptyDir();
    // No terminal (stdin is not a TTY) and no --yes: it goes ahead as with --yes.
    const r = await runCli(["init", "my-project"], { cwd: parent });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = path.join(parent, "my-project");
    for (const f of FILES) expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(r.stdout).toContain("  cd my-project\n  npm install\n  npx trueup demo\n");

    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: "my-project",
      private: true,
      type: "module",
      dependencies: { trueup: `^${version}` },
    });

    const config = readFileSync(path.join(dir, "trueup.config.ts"), "utf8");
    expect(config).toContain(`import { defineConfig } from "trueup";`);
    expect(config).toContain(`models: { paths: ["models"] }`);
    expect(config).toContain(`rules: { paths: ["rules"] }`);
    expect(readFileSync(path.join(dir, ".gitignore"), "utf8").split("\n")).toEqual(
      expect.arrayContaining([".trueup/", ".env"]),
    );
    expect(readFileSync(path.join(dir, "models/open_invoices_by_entity.ts"), "utf8")).toContain(
      `import { defineModel } from "trueup";`,
    );
    expect(readFileSync(path.join(dir, "rules/customer-totals.ts"), "utf8")).toContain(
      `import { defineRule } from "trueup";`,
    );
  });

  it(".env.example lists every environment variable trueup reads, each commented out with a comment", async () => {
    const dir = emptyDir();
    expect((await runCli(["init", "--yes"], { cwd: dir })).code).toBe(0);
    const lines = readFileSync(path.join(dir, ".env.example"), "utf8").split("\n");
    const read = variablesRead();
    expect(read).toEqual(
      expect.arrayContaining(["WAREHOUSE_URL", "NETSUITE_TOKEN_SECRET", "TRUEUP_LOG_LEVEL"]),
    );
    for (const name of read) {
      const i = lines.indexOf(`# ${name}=`);
      expect(i, `${name} in .env.example`).toBeGreaterThan(0);
      // The line before says what it is.
      expect(lines[i - 1]!.length, name).toBeGreaterThan(10);
      expect(lines[i - 1]!.startsWith("# ") && !/^# [A-Z0-9_]+=/.test(lines[i - 1]!), name).toBe(true);
    }
    // Nothing set: copying it to .env changes nothing until a line is uncommented.
    expect(lines.filter((l) => l && !l.startsWith("#"))).toEqual([]);
  });

  it("refuses to overwrite an existing file, writing nothing; --force overwrites", async () => {
    const dir = emptyDir();
    mkdirSync(path.join(dir, "models"));
    writeFileSync(path.join(dir, "package.json"), `{"name":"mine"}`);
    const r = await runCli(["init", ".", "--yes"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("already has package.json");
    expect(r.stderr).toContain("--force");
    expect(readFileSync(path.join(dir, "package.json"), "utf8")).toBe(`{"name":"mine"}`);
    expect(existsSync(path.join(dir, "trueup.config.ts"))).toBe(false);

    const forced = await runCli(["init", dir, "--yes", "--force", "--json"], { cwd: emptyDir() });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ dir, files: FILES });
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name).toBe(
      path.basename(dir).toLowerCase(),
    );
  });
});
