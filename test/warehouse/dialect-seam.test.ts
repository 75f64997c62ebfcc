import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The engines reach a warehouse's own SQL and behaviour through warehouse/statements/ (and the
 * session's methods), never by asking which warehouse they are on: a third warehouse is a new
 * folder under warehouse/, not an edit of every engine. This keeps the layers that are through
 * with it so; a layer joins the list once its last branch has moved behind the seam.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const CLEAN_LAYERS = [
  "load",
  "extract",
  "models",
  "reconcile",
  "orchestration",
  "cli",
  "api",
  "reverse",
  "serve",
  "sandbox",
];

const BRANCH = [
  /\bdialect\s*[!=]==?\s*["'`]/, // tx.dialect === "snowflake", opts.dialect !== "postgres"
  /\.name\s*[!=]==?\s*["'`](snowflake|postgres)["'`]/, // a SqlDialect's name
  /instanceof\s+(Snowflake|Postgres)\w*/, // SnowflakeSession, PostgresWarehouse
  /\bisSnowflake\b|\bisPostgres\b/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

describe("engines do not branch on the warehouse", () => {
  const files = CLEAN_LAYERS.flatMap((l) => sources(path.join(ROOT, l)));

  it("finds the engines' sources", () => {
    expect(files.some((f) => f.endsWith(path.join("load", "load-stream.ts")))).toBe(true);
    expect(files.length).toBeGreaterThan(50);
  });

  it("no dialect test and no Snowflake module import in them", () => {
    const found: string[] = [];
    for (const file of files) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, "");
          if (BRANCH.some((re) => re.test(code)) || /from\s+["'][./]*warehouse\/snowflake\//.test(code))
            found.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it("would catch a branch", () => {
    const line = `  if (tx.dialect === "snowflake") return;`;
    expect(BRANCH.some((re) => re.test(line))).toBe(true);
  });
});
