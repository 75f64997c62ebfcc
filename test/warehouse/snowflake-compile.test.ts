import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { ConfigError } from "../../core/errors.js";
import { compileNodes } from "../../orchestration/compile-nodes.js";
import { parseSnowflakeUrl } from "../../warehouse/snowflake/connection.js";
import { SnowflakeDialect } from "../../warehouse/snowflake/dialect.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";

/**
 * Every node of the DAG compiled for Snowflake, compared with the reviewed golden files in
 * test/golden/snowflake/ (regenerate with `UPDATE_GOLDEN=1 npx vitest run test/warehouse/snowflake-compile.test.ts`,
 * then review the diff), and checked for Postgres-only constructs.
 */
const GOLDEN = path.resolve(import.meta.dirname, "../golden/snowflake");
const AS_OF = "2026-11-22T00:00:00Z";

async function nodes() {
  const { config } = await loadConfig({ cwd: path.resolve(import.meta.dirname, "../.."), dotenv: false });
  return compileNodes(config, "snowflake", AS_OF);
}

describe("trueup compile --dialect snowflake", () => {
  it("every node matches its reviewed golden file", async () => {
    const compiled = await nodes();
    expect(compiled.map((n) => n.kind).sort()).toEqual(
      expect.arrayContaining(["load", "model", "rule", "sync"]),
    );
    if (process.env.UPDATE_GOLDEN === "1") {
      rmSync(GOLDEN, { recursive: true, force: true });
      mkdirSync(GOLDEN, { recursive: true });
      for (const n of compiled) writeFileSync(path.join(GOLDEN, `${n.node}.sql`), `${n.sql}\n`);
    }
    const files = readdirSync(GOLDEN).filter((f) => f.endsWith(".sql"));
    expect(files.sort()).toEqual(compiled.map((n) => `${n.node}.sql`).sort());
    for (const n of compiled)
      expect(`${n.sql}\n`, n.node).toBe(readFileSync(path.join(GOLDEN, `${n.node}.sql`), "utf8"));
  });

  it("no node's Snowflake SQL holds a Postgres-only construct", async () => {
    const problems = (await nodes()).flatMap((n) =>
      postgresOnlyConstructs(n.sql).map((p) => `${n.node}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("only the conformed layer's mapping models read a vendor's staging: no canonical model, no rule", async () => {
    const compiled = await nodes();
    const reads = (sql: string) => [...sql.matchAll(/"staging"\."([a-z0-9_]+)"/g)].map((m) => m[1]!);
    const above = compiled.filter(
      (n) => n.node.startsWith("model.canonical.") || n.node.startsWith("recon."),
    );
    expect(above.length).toBeGreaterThan(10);
    const vendor = above.flatMap((n) =>
      reads(n.sql)
        .filter((t) => !t.startsWith("reference__"))
        .map((t) => `${n.node}: staging.${t}`),
    );
    expect(vendor).toEqual([]);
    // The mappings do read them: the check would see a vendor table where one is read.
    const mappings = compiled.filter((n) => /^model\.conformed\.[a-z_]+__/.test(n.node));
    expect(mappings.flatMap((n) => reads(n.sql))).toEqual(
      expect.arrayContaining([
        "stripe__invoices",
        "netsuite__transaction",
        "erp_files__payments",
        "salesforce__account",
      ]),
    );
  });

  it("the construct check finds what it looks for, outside comments and strings", () => {
    const pg = `-- ON CONFLICT in a comment is fine
      INSERT INTO t SELECT DISTINCT ON (id) id, p->>'k', CAST(x AS numeric), now(), string_agg(a, ','), 'a::jsonb in a string'
        FROM u, unnest(arr) ON CONFLICT (id) DO NOTHING RETURNING id`;
    const found = postgresOnlyConstructs(pg).map((p) => p.split(" at line")[0]);
    expect(found).toEqual(
      expect.arrayContaining([
        "ON CONFLICT",
        "DISTINCT ON",
        "-> / ->> JSON operators",
        "now()",
        "string_agg",
        "unnest",
        "RETURNING",
        expect.stringMatching(/^CAST\(… AS numeric\)/),
      ]),
    );
    expect(found.some((f) => f.includes("jsonb"))).toBe(false);
    expect(postgresOnlyConstructs(`SELECT x:"a"::string, TO_TIMESTAMP_TZ(1) FROM t`)).toEqual([]);
  });

  it("Postgres output of the same nodes still carries its own constructs (the check is not vacuous)", async () => {
    const { config } = await loadConfig({ cwd: path.resolve(import.meta.dirname, "../.."), dotenv: false });
    const pg = compileNodes(config, "postgres", AS_OF);
    expect(pg.flatMap((n) => postgresOnlyConstructs(n.sql)).length).toBeGreaterThan(0);
  });
});

describe("the Snowflake kysely dialect", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = new Kysely<any>({ dialect: new SnowflakeDialect() });

  it("compiles ? binds and double-quoted identifiers", () => {
    const q = db
      .selectFrom("staging.stripe__invoices as i")
      .select(["i.id", "i.amount_due"])
      .where("i.status", "=", "open")
      .where("i.amount_due", ">", 100)
      .compile();
    expect(q.sql).toBe(
      `select "i"."id", "i"."amount_due" from "staging"."stripe__invoices" as "i" where "i"."status" = ? and "i"."amount_due" > ?`,
    );
    expect(q.parameters).toEqual(["open", 100]);
  });

  it("writes upserts as MERGE and refuses ON CONFLICT and RETURNING", () => {
    const merge = db
      .mergeInto("trueup.extract_state as t")
      .using("trueup.extract_state_batch as s", (on) =>
        on.onRef("t.source", "=", "s.source").onRef("t.stream", "=", "s.stream"),
      )
      .whenMatched()
      .thenUpdateSet({ run_id: "r1" })
      .whenNotMatched()
      .thenInsertValues({ source: "stripe", stream: "invoices", run_id: "r1" })
      .compile();
    expect(merge.sql).toMatch(/^merge into "trueup"\."extract_state" as "t" using/);
    expect(merge.sql).toContain(`when matched then update set "run_id" = ?`);
    expect(() =>
      db
        .insertInto("t")
        .values({ id: 1 })
        .onConflict((oc) => oc.column("id").doNothing())
        .compile(),
    ).toThrow(/no ON CONFLICT: write the upsert with db\.mergeInto/);
    expect(() => db.insertInto("t").values({ id: 1 }).returning("id").compile()).toThrow(/no RETURNING/);
  });
});

describe("WAREHOUSE_URL=snowflake://…", () => {
  it("reads account, user, database, schema, warehouse and role; the secret comes from the environment", () => {
    const c = parseSnowflakeUrl(
      "snowflake://svc_trueup@xy12345.eu-west-1/ANALYTICS/TRUEUP?warehouse=LOAD_WH&role=TRUEUP",
      {
        SNOWFLAKE_PASSWORD: "s3cret",
      },
    );
    expect(c).toMatchObject({
      account: "xy12345.eu-west-1",
      username: "svc_trueup",
      database: "ANALYTICS",
      schema: "TRUEUP",
      warehouse: "LOAD_WH",
      role: "TRUEUP",
      authenticator: "SNOWFLAKE",
      password: "s3cret",
    });
    expect(c.display).not.toContain("s3cret");
  });

  it("prefers key-pair auth and names what is missing or wrong", () => {
    const dir = path.resolve(import.meta.dirname, "../../.trueup");
    mkdirSync(dir, { recursive: true });
    const key = path.join(dir, "test-snowflake-key.p8");
    writeFileSync(key, "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n");
    const c = parseSnowflakeUrl("snowflake://u@acct/DB/SCH", {
      SNOWFLAKE_PRIVATE_KEY_PATH: key,
      SNOWFLAKE_PASSWORD: "x",
    });
    expect(c.authenticator).toBe("SNOWFLAKE_JWT");
    expect(c.password).toBeUndefined();
    rmSync(key);
    expect(() => parseSnowflakeUrl("snowflake://u@acct/DB", { SNOWFLAKE_PASSWORD: "x" })).toThrow(
      /missing the schema/,
    );
    expect(() => parseSnowflakeUrl("snowflake://u@acct/DB/SCH", {})).toThrow(ConfigError);
    expect(() => parseSnowflakeUrl("snowflake://u@acct/DB/SCH", {})).toThrow(
      /SNOWFLAKE_PRIVATE_KEY_PATH.*SNOWFLAKE_PASSWORD/,
    );
    expect(() => parseSnowflakeUrl("snowflake://u:pw@acct/DB/SCH", { SNOWFLAKE_PASSWORD: "x" })).toThrow(
      /must not carry a password/,
    );
    expect(() => parseSnowflakeUrl("snowflake://u@acct/DB/SCH?wh=X", { SNOWFLAKE_PASSWORD: "x" })).toThrow(
      /unknown parameters: wh/,
    );
  });
});
