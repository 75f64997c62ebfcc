import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { ConfigError } from "../../core/errors.js";
import { runCli } from "../helpers/cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project folder: package.json of the given module type, and the files given. */
function project(type: "module" | "commonjs", files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-forms-"));
  dirs.push(dir);
  const pkg = type === "module" ? { name: "p", type: "module" } : { name: "p" };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const BODY = `{ log: { level: "warn" }, reconciliation: { windowDays: 5 } }`;

const FORMS: [string, "module" | "commonjs", string, string][] = [
  ["export const config, .ts, ESM folder", "module", "trueup.config.ts", `export const config = ${BODY};`],
  ["export default, .ts, ESM folder", "module", "trueup.config.ts", `export default ${BODY};`],
  [
    "export const config, .ts, CommonJS folder",
    "commonjs",
    "trueup.config.ts",
    `export const config = ${BODY};`,
  ],
  ["export default, .ts, CommonJS folder", "commonjs", "trueup.config.ts", `export default ${BODY};`],
  ["export default, .mts, CommonJS folder", "commonjs", "trueup.config.mts", `export default ${BODY};`],
  ["export const config, .mts, ESM folder", "module", "trueup.config.mts", `export const config = ${BODY};`],
  ["export default, .js, ESM folder", "module", "trueup.config.js", `export default ${BODY};`],
  ["module.exports, .js, CommonJS folder", "commonjs", "trueup.config.js", `module.exports = ${BODY};`],
  ["exports.config, .js, CommonJS folder", "commonjs", "trueup.config.js", `exports.config = ${BODY};`],
  ["export default, .mjs, CommonJS folder", "commonjs", "trueup.config.mjs", `export default ${BODY};`],
  ["export const config, .mjs, ESM folder", "module", "trueup.config.mjs", `export const config = ${BODY};`],
];

describe("every config form loads, found by default in the folder", () => {
  for (const [title, type, name, text] of FORMS) {
    it(title, async () => {
      const dir = project(type, { [name]: text });
      const loaded = await loadConfig({ cwd: dir, dotenv: false });
      expect(loaded.file).toBe(path.join(dir, name));
      expect(loaded.config.log.level).toBe("warn");
      expect(loaded.config.reconciliation.windowDays).toBe(5);
    });
  }

  it("trueup.config.ts wins over .mts, .js and .mjs", async () => {
    const dir = project("module", {
      "trueup.config.mjs": `export default { log: { level: "error" } };`,
      "trueup.config.js": `export default { log: { level: "error" } };`,
      "trueup.config.mts": `export default { log: { level: "error" } };`,
      "trueup.config.ts": `export default { log: { level: "debug" } };`,
    });
    const loaded = await loadConfig({ cwd: dir, dotenv: false });
    expect(loaded.file).toBe(path.join(dir, "trueup.config.ts"));
    expect(loaded.config.log.level).toBe("debug");
  });
});

describe("a file without a config export says what to write", () => {
  const cases: [string, "module" | "commonjs", string, string][] = [
    ["ESM .ts exporting nothing", "module", "trueup.config.ts", "const x = 1;\nvoid x;\n"],
    ["CommonJS .ts exporting nothing", "commonjs", "trueup.config.ts", "const x = 1;\nvoid x;\n"],
    ["CommonJS .js exporting nothing", "commonjs", "trueup.config.js", "const x = 1;\n"],
    ["ESM .ts exporting something else", "module", "trueup.config.ts", "export const settings = {};\n"],
  ];
  for (const [title, type, name, text] of cases) {
    it(title, async () => {
      const dir = project(type, { [name]: text });
      const err = await loadConfig({ cwd: dir, dotenv: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).toContain(path.join(dir, name));
      expect(message).toContain("exports no config");
      expect(message).toContain("export default defineConfig({ ... })");
      expect(message).toContain("export const config = defineConfig({ ... })");
      expect(message).not.toMatch(/unknown key/);
    });
  }
});

describe("relative paths resolve against the config file's folder", () => {
  it("models, ERP export folder, FX rates file and embedded warehouse", async () => {
    const dir = project("commonjs", {
      "conf/trueup.config.ts": `export default {
        models: { paths: ["./models", "../shared-models"] },
        sources: { erp_files: { dir: "exports", files: [] } },
        fx: { ratesFile: "rates/fx.csv" },
        warehouse: { embedded: { dir: ".state/pg" } },
      };`,
    });
    const elsewhere = mkdtempSync(path.join(tmpdir(), "trueup-cwd-"));
    dirs.push(elsewhere);
    const { config } = await loadConfig({
      cwd: elsewhere,
      configPath: path.join(dir, "conf/trueup.config.ts"),
    });
    const conf = path.join(dir, "conf");
    expect(config.models.paths).toEqual([path.join(conf, "models"), path.join(dir, "shared-models")]);
    expect(config.sources.erp_files?.dir).toBe(path.join(conf, "exports"));
    expect(config.fx.ratesFile).toBe(path.join(conf, "rates/fx.csv"));
    expect(config.warehouse.embedded.dir).toBe(path.join(conf, ".state/pg"));
  });

  it("without a config file, the defaults resolve against the current folder", async () => {
    const dir = project("module", {});
    const { config, file } = await loadConfig({ cwd: dir, dotenv: false });
    expect(file).toBeUndefined();
    expect(config.warehouse.embedded.dir).toBe(path.join(dir, ".trueup/pg"));
  });

  it("trueup build --list, run from another folder, lists the user's model (CommonJS folder, export default)", async () => {
    const dir = project("commonjs", {
      "trueup.config.ts": `export default { models: { paths: ["models"] } };`,
      "models/my-model.ts": `export const model = {
        name: "my_model", schema: "analytics", materialized: "view", description: "mine",
        sql: (ctx: { ref(m: string): string }) => \`SELECT * FROM \${ctx.ref("canonical.customer")}\`,
      };`,
    });
    const elsewhere = mkdtempSync(path.join(tmpdir(), "trueup-cwd-"));
    dirs.push(elsewhere);
    const r = await runCli(["--config", path.join(dir, "trueup.config.ts"), "build", "--list", "--json"], {
      cwd: elsewhere,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { model: string; upstream: string }[];
    const mine = rows.find((m) => m.model === "analytics.my_model");
    expect(mine?.upstream).toBe("canonical.customer");
    // Found by default from the project's own folder too.
    const here = await runCli(["build", "--list", "--json", "--select", "analytics.my_model"], { cwd: dir });
    expect(here.code).toBe(0);
    expect((JSON.parse(here.stdout) as { model: string }[]).map((m) => m.model)).toEqual([
      "analytics.my_model",
    ]);
  });
});
