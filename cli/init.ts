import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { UsageError } from "../core/errors.js";
import { packageInfo } from "../core/package-info.js";
import {
  GITIGNORE,
  RULE,
  SQL_MODEL,
  TS_MODEL,
  configFile,
  envExample,
  packageJson,
} from "./init-templates.js";

export interface InitOptions {
  yes?: boolean;
  force?: boolean;
}

export interface InitResult {
  dir: string;
  files: string[];
  next: string[];
}

/** An npm package name from a folder name (lower case, no spaces). */
function packageName(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|-+$/g, "");
  return name || "trueup-project";
}

/** The files of a new project, relative to its folder. */
export function projectFiles(dir: string): Record<string, string> {
  return {
    "package.json": packageJson(packageName(dir), packageInfo().version),
    "trueup.config.ts": configFile(),
    ".env.example": envExample(),
    ".gitignore": GITIGNORE,
    "models/analytics/customer_invoice_totals.sql": SQL_MODEL,
    "models/open_invoices_by_entity.ts": TS_MODEL,
    "rules/customer-totals.ts": RULE,
  };
}

/**
 * Writes a new project into `dir`. Nothing is overwritten without `force`: every file that
 * exists already is named and nothing is written. Without `yes`, asks first on a terminal; with
 * no terminal to ask on, goes ahead as with `yes` (a script or CI has no one to answer).
 */
export async function initProject(
  target: string,
  opts: InitOptions,
  io: { ask?: (question: string) => Promise<boolean> } = {},
): Promise<InitResult | undefined> {
  const dir = path.resolve(target);
  const files = projectFiles(dir);
  const existing = Object.keys(files).filter((f) => existsSync(path.join(dir, f)));
  if (existing.length && !opts.force) {
    throw new UsageError(
      `${dir} already has ${existing.join(", ")}; trueup init writes nothing over existing files. Init into an empty folder, or add --force to overwrite them`,
    );
  }
  if (!opts.yes && io.ask) {
    const ok = await io.ask(`Create a trueup project in ${dir}? [Y/n] `);
    if (!ok) return undefined;
  }
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const cd = path.relative(process.cwd(), dir);
  const next = [
    ...(cd ? [`cd ${cd.includes(" ") ? JSON.stringify(cd) : cd}`] : []),
    "npm install",
    "npx trueup demo",
  ];
  return { dir, files: Object.keys(files), next };
}

/** `trueup init [DIR] [--yes] [--force]`. */
export async function initCommand(
  ctx: { json: boolean; print(text: string): void; printJson(value: unknown): void },
  target: string | undefined,
  opts: InitOptions,
): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !opts.yes;
  const ask = interactive
    ? async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return /^(y|yes|)$/i.test((await rl.question(question)).trim());
        } finally {
          rl.close();
        }
      }
    : undefined;
  const result = await initProject(target ?? ".", opts, { ask });
  if (!result) {
    ctx.print("nothing written");
    return 0;
  }
  if (ctx.json) {
    ctx.printJson(result);
    return 0;
  }
  ctx.print(`trueup project in ${result.dir}:`);
  for (const f of result.files) ctx.print(`  ${f}`);
  ctx.print(`\nnext:\n${result.next.map((c) => `  ${c}`).join("\n")}`);
  ctx.print(
    "\n`trueup demo` runs the whole pipeline, your models and rule included, against a sandbox world; docs/project.md in the trueup package goes from there to a scheduled pipeline on your own Postgres.",
  );
  return 0;
}
