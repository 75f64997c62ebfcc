import path from "node:path";
import { CompiledQuery } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { compileNodes } from "../../orchestration/compile-nodes.js";
import { parseSnowflakeUrl } from "../../warehouse/snowflake/connection.js";
import { SnowflakeDriver, type SnowflakeConnection } from "../../warehouse/snowflake/driver.js";

/**
 * Every node trueup compiles for Snowflake runs there: in a scratch schema set, the loads' DDL
 * creates raw and staging tables, then each model, rule family and sync query executes (on empty
 * tables: what is proven is that Snowflake accepts and plans every statement). Stage PUT/COPY
 * statements need files and are left to the load test below.
 */
const url = process.env.WAREHOUSE_URL;
if (!url?.startsWith("snowflake://"))
  throw new Error("the live Snowflake suite needs WAREHOUSE_URL=snowflake://… (see docs/operations.md)");

describe("compiled nodes on a live Snowflake", () => {
  const config = parseSnowflakeUrl(url);
  const driver = new SnowflakeDriver(config, 1);
  let conn: SnowflakeConnection;
  const suffix = `_T${Date.now().toString(36).toUpperCase()}`;
  const schemas = ["raw", "staging", "canonical", "recon", "reverse", "trueup"];
  const scoped = (sql: string) =>
    schemas.reduce(
      (s, name) =>
        s.replaceAll(`"${name}".`, `"${name}${suffix}".`).replaceAll(` ${name}.`, ` "${name}${suffix}".`),
      sql,
    );

  beforeAll(async () => {
    conn = (await driver.acquireConnection()) as SnowflakeConnection;
    for (const s of schemas) await conn.run(`CREATE SCHEMA IF NOT EXISTS "${s}${suffix}"`);
    await conn.run(
      `CREATE TABLE "trueup${suffix}"."extract_state" ("source" VARCHAR, "stream" VARCHAR, "cursor" VARIANT, "updated_at" TIMESTAMP_TZ, "run_id" VARCHAR)`,
    );
    await conn.run(
      `CREATE TABLE "reverse${suffix}"."sync_state" ("sync" VARCHAR, "record_id" VARCHAR, "payload" VARIANT)`,
    );
    await conn.run(`CREATE TABLE "reverse${suffix}"."failures" ("sync" VARCHAR, "record_id" VARCHAR)`);
  });
  afterAll(async () => {
    for (const s of schemas) await conn?.run(`DROP SCHEMA IF EXISTS "${s}${suffix}" CASCADE`);
    await driver.destroy();
  });

  it("accepts every load, model, rule and sync statement", async () => {
    const { config: cfg } = await loadConfig({
      cwd: path.resolve(import.meta.dirname, "../.."),
      dotenv: false,
    });
    const nodes = compileNodes(cfg, "snowflake", new Date().toISOString());
    const failures: string[] = [];
    for (const n of nodes) {
      const statements = n.sql
        .split(/;\n/)
        .map((s) =>
          s
            .replace(/^(--[^\n]*\n)+/, "")
            .trim()
            .replace(/;$/, ""),
        )
        .filter((s) => s && !s.startsWith("--") && !/^(PUT|COPY INTO|SELECT "ERROR")/.test(s));
      for (const s of statements) {
        const binds = (s.match(/\?/g) ?? []).map(() => "x");
        try {
          await conn.executeQuery(CompiledQuery.raw(scoped(s), binds));
        } catch (err) {
          failures.push(`${n.node}: ${(err as Error).message}\n${s.slice(0, 300)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
