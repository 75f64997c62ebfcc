import { describe, expect, it } from "vitest";
import { WarehouseError } from "../../core/errors.js";
import { parseSnowflakeUrl } from "../../warehouse/snowflake/connection.js";
import { SnowflakeDriver } from "../../warehouse/snowflake/driver.js";
import {
  TransactionRunner,
  kyselyOn,
  snowflakeBinds,
  statementKind,
} from "../../warehouse/snowflake/session.js";
import { recordingConnection } from "../helpers/snowflake.js";

/**
 * The parts of the Snowflake runtime that decide what is sent, checked without an account (the
 * live suite, `npm run test:snowflake`, runs them against Snowflake itself).
 */
describe("Snowflake statements", () => {
  it("rewrites $n placeholders to :n outside literals, quoted names and comments", () => {
    expect(snowflakeBinds(`SELECT 1 FROM t WHERE a = $1 AND b = $2 OR c = $1`)).toBe(
      `SELECT 1 FROM t WHERE a = :1 AND b = :2 OR c = :1`,
    );
    expect(snowflakeBinds(`SELECT '$1', "$2", 'it''s $3', 'a\\'$4' -- $5\n, $6 /* $7 */ FROM x`)).toBe(
      `SELECT '$1', "$2", 'it''s $3', 'a\\'$4' -- $5\n, :6 /* $7 */ FROM x`,
    );
    // `$` inside a name is not a placeholder.
    expect(snowflakeBinds(`SELECT a$1, x$$ FROM t WHERE id = $10`)).toBe(
      `SELECT a$1, x$$ FROM t WHERE id = :10`,
    );
  });

  it("classifies statements by what they do to a transaction", () => {
    expect(statementKind(`  -- a comment\nCREATE OR REPLACE TEMPORARY TABLE x LIKE y`)).toBe("ddl");
    expect(statementKind(`/* c */ alter table x add column y int`)).toBe("ddl");
    expect(statementKind(`MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE`)).toBe("dml");
    expect(statementKind(`COPY INTO t FROM @~/x`)).toBe("dml");
    expect(statementKind(`PUT 'file:///tmp/a.csv.gz' @"raw".%"t"`)).toBe("put");
    expect(statementKind(`SELECT 1`)).toBe("other");
    expect(statementKind(`WITH a AS (SELECT 1) SELECT * FROM a`)).toBe("other");
  });
});

describe("a Snowflake transaction", () => {
  it("begins at its first write, after the DDL and PUTs before it", async () => {
    const { conn, sent } = recordingConnection();
    const tx = new TransactionRunner(conn);
    await tx.run(`SELECT 1 FROM information_schema.tables`, []);
    await tx.run(`ALTER TABLE "staging"."s" ADD COLUMN IF NOT EXISTS "x" VARCHAR`, []);
    await tx.run(`CREATE OR REPLACE TEMPORARY TABLE "staging"."b" LIKE "staging"."s"`, []);
    await tx.run(`PUT 'file:///tmp/x-*.csv.gz' @"raw".%"r"`, []);
    expect(tx.began).toBe(false);
    await tx.run(`COPY INTO "raw"."r" FROM @"raw".%"r"`, []);
    await tx.run(
      `MERGE INTO "staging"."s" t USING "staging"."b" s ON t.id = s.id WHEN MATCHED THEN DELETE`,
      [],
    );
    expect(tx.began).toBe(true);
    expect(sent.map((s) => s.sql.split(" ")[0])).toEqual([
      "SELECT",
      "ALTER",
      "CREATE",
      "PUT",
      "BEGIN",
      "COPY",
      "MERGE",
    ]);
  });

  it("refuses DDL and PUT once it has begun (Snowflake would commit it halfway)", async () => {
    const { conn, sent } = recordingConnection();
    const tx = new TransactionRunner(conn);
    await tx.run(`INSERT INTO "trueup"."rejects" ("reason") SELECT 'x'`, []);
    await expect(tx.run(`ALTER TABLE "staging"."s" ADD COLUMN "y" VARCHAR`, [])).rejects.toThrow(
      WarehouseError,
    );
    await expect(tx.run(`PUT 'file:///tmp/y.csv.gz' @"raw".%"r"`, [])).rejects.toThrow(/halfway/);
    expect(sent.map((s) => s.sql)).toEqual(["BEGIN", `INSERT INTO "trueup"."rejects" ("reason") SELECT 'x'`]);
  });

  it("runs the session's kysely statements through the same transaction", async () => {
    const { conn, sent } = recordingConnection();
    const tx = new TransactionRunner(conn);
    const db = kyselyOn(tx);
    await db
      .insertInto("trueup.rejects")
      .values({ reason: "x", record: { a: 1 } })
      .execute();
    await expect(db.schema.createTable("t").addColumn("a", "varchar").execute()).rejects.toThrow(/halfway/);
    const [begin, insert, ...rest] = sent.map((s) => s.sql);
    expect(begin).toBe("BEGIN");
    expect(insert).toMatch(/^insert into "trueup"\."rejects" \("reason", "record"\) values \(\?, \?\)$/);
    expect(rest).toEqual([]);
  });
});

describe("connecting to Snowflake", () => {
  it("gives up on an unreachable account after the login timeout, naming the account", async () => {
    const config = parseSnowflakeUrl("snowflake://u@no-such-account-trueup-test/DB/SCH", {
      SNOWFLAKE_PASSWORD: "x",
    });
    const driver = new SnowflakeDriver(config, 1, 1_500);
    await expect(driver.acquireConnection()).rejects.toThrow(
      /no answer from Snowflake account no-such-account-trueup-test within 2 s/,
    );
    await driver.destroy();
  });
});
