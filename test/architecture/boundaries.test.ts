import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The architecture's rules, checked on the sources as text:
 *   lines    no source file (tests aside) over 400 lines: a long file hides its parts;
 *   layers   no import climbs a layer (cli → api → orchestration → reverse / reconcile →
 *            extract / models → load → warehouse → config → core; sandbox/ and serve/ are entry
 *            points beside cli; bench/ and test/ stand outside);
 *   dialect  no branch on the warehouse's dialect outside warehouse/ (tests aside): a dialect's
 *            code lives in warehouse/<dialect>/, behind the interfaces the engines call.
 * docs/architecture.md explains each.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Higher layers first; a file may import its own layer or any layer below it. */
const LAYERS: Record<string, number> = {
  cli: 0,
  sandbox: 0,
  serve: 0,
  api: 1,
  orchestration: 2,
  reverse: 3,
  reconcile: 3,
  extract: 4,
  models: 4,
  load: 5,
  warehouse: 6,
  config: 7,
  core: 8,
};

const MAX_LINES = 400;

type Rule = "lines" | "layers" | "dialect";

/**
 * The violations known when this test was written, since fixed: the list is empty and must stay
 * so (an entry that no longer violates fails the test, so it could only shrink; nothing may be
 * added to it).
 */
const STILL_TO_FIX: readonly { file: string; rule: Rule }[] = [];

/** Every TypeScript source file outside test/ (and node_modules, dist). */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".") || name === "node_modules" || name === "dist") continue;
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) {
        if (path.relative(ROOT, p) !== "test") walk(p);
      } else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) {
        out.push(path.relative(ROOT, p).split(path.sep).join("/"));
      }
    }
  };
  walk(ROOT);
  return out.sort();
}

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Comments removed (they may quote a branch or an import); strings are left as they are. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|(?:^|[\s;])import\s*["']([^"']+)["']/g;

/** The relative imports of a file, as paths from the root. */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of code(text).matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith(".")) continue;
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
  }
  return out;
}

const layerOf = (file: string): number | undefined => LAYERS[file.split("/")[0]!];

/** Comparisons with a dialect's name, or on a `dialect` value: `dialect === "snowflake"`, `d.name !== "postgres"`, `case "snowflake":`. */
const DIALECT_BRANCH = [
  /[!=]==?\s*["'](?:snowflake|postgres)["']/,
  /["'](?:snowflake|postgres)["']\s*[!=]==?/,
  /\bcase\s+["'](?:snowflake|postgres)["']\s*:/,
  /\bdialect\s*[!=]==?/,
];

interface Violation {
  file: string;
  rule: Rule;
  detail: string;
}

/** Every violation of the three rules in the given files (path from the root → text). */
export function violations(files: Record<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of Object.entries(files)) {
    const lines = lineCount(text);
    if (lines > MAX_LINES) out.push({ file, rule: "lines", detail: `${lines} lines` });
    const from = layerOf(file);
    if (from !== undefined) {
      const climbs = importsOf(file, text).filter((target) => {
        const to = layerOf(target);
        return to !== undefined && to < from;
      });
      if (climbs.length) out.push({ file, rule: "layers", detail: `imports ${climbs.join(", ")}` });
    }
    if (!file.startsWith("warehouse/")) {
      const branches = code(text)
        .split("\n")
        .map((l, i) => ({ l, i }))
        .filter(({ l }) => DIALECT_BRANCH.some((re) => re.test(l)));
      if (branches.length) {
        out.push({
          file,
          rule: "dialect",
          detail: branches.map(({ l, i }) => `${i + 1}: ${l.trim()}`).join(" | "),
        });
      }
    }
  }
  return out;
}

const key = (v: { file: string; rule: Rule }) => `${v.file} (${v.rule})`;

function readSources(): Record<string, string> {
  return Object.fromEntries(sourceFiles().map((f) => [f, readFileSync(path.join(ROOT, f), "utf8")]));
}

describe("architecture boundaries", () => {
  const found = violations(readSources());

  it("nothing outside STILL_TO_FIX breaks a rule", () => {
    const known = new Set(STILL_TO_FIX.map(key));
    const fresh = found.filter((v) => !known.has(key(v))).map((v) => `${key(v)}: ${v.detail}`);
    expect(fresh).toEqual([]);
  });

  it("every STILL_TO_FIX entry still breaks its rule (fixed ones leave the list)", () => {
    const now = new Set(found.map(key));
    expect(STILL_TO_FIX.map(key).filter((k) => !now.has(k))).toEqual([]);
  });

  it("finds each kind of violation in a planted file", () => {
    const planted = violations({
      "load/planted.ts": [
        'import { runDag } from "../orchestration/runner.js";',
        'import type { Config } from "../config/schema.js";',
        'if (warehouse.dialect === "snowflake") run();',
        ...Array.from({ length: MAX_LINES }, (_, i) => `const x${i} = ${i};`),
      ].join("\n"),
      "warehouse/planted.ts": 'if (d.name === "snowflake") run();\n',
      "models/fine.ts":
        '// when dialect === "snowflake" (a comment)\nimport { x } from "../load/naming.js";\n',
    });
    expect(planted.map((v) => `${key(v)}: ${v.detail}`)).toEqual([
      `load/planted.ts (lines): ${MAX_LINES + 3} lines`,
      "load/planted.ts (layers): imports orchestration/runner.js",
      'load/planted.ts (dialect): 3: if (warehouse.dialect === "snowflake") run();',
    ]);
  });
});
