import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { RULE_FAMILIES } from "../../reconcile/rules/index.js";
import { reconcile } from "../../reconcile/run.js";
import { ensureReconSchema } from "../../reconcile/schema.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";
import {
  SnowflakeSession,
  TransactionRunner,
  kyselyOn,
  statementKind,
} from "../../warehouse/snowflake/session.js";
import { SnowflakeWarehouse } from "../../warehouse/snowflake/warehouse.js";
import { recordingConnection } from "../helpers/snowflake.js";

/**
 * `trueup reconcile` on Snowflake, checked without an account: the real runFamily and
 * ensureReconSchema run on a SnowflakeSession over snowflake-sdk's connection with no server
 * behind it (every statement recorded, answered with the rows below), through the same
 * TransactionRunner a SnowflakeWarehouse transaction uses, so DDL after the first write throws
 * as it would against Snowflake. The live suite (test/snowflake-live/reconcile.test.ts) runs
 * the same lifecycle against Snowflake itself.
 */
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ reconciliation: { ownerTeams: { invoice_amount_mismatch: "accounting" } } });
const AS_OF = "2026-11-22T00:00:00Z";

/** The lifecycle's answers: what the changes table counts and what is open afterwards. */
function lifecycleAnswers(sql: string, binds: readonly unknown[] = []): Record<string, unknown>[] {
  // A detail table's columns (what CREATE TABLE … AS SELECT made), so their descriptions follow.
  if (/^SELECT column_name, data_type, numeric_scale, is_nullable FROM information_schema\.columns/.test(sql))
    return String(binds[1] ?? "").endsWith("_detail")
      ? ["CATEGORY", "KEY", "DELTA"].map((c) => ({
          COLUMN_NAME: c,
          DATA_TYPE: "TEXT",
          NUMERIC_SCALE: null,
          IS_NULLABLE: "YES",
        }))
      : [];
  if (/SELECT event, count\(\*\) AS n FROM "recon"\."\w+_detail__changes"/.test(sql))
    return [
      { EVENT: "opened", N: "2" },
      { EVENT: "reopened", N: "1" },
      { EVENT: "resolved", N: "3" },
    ];
  if (/SELECT category, count\(\*\) AS n FROM "recon"\."discrepancy"/.test(sql)) {
    const first = /category IN \('(\w+)'/.exec(sql)?.[1];
    return first ? [{ CATEGORY: first, N: "4" }] : [];
  }
  return [];
}

/** Placeholders (`:n`) a statement uses, outside string literals. */
function placeholders(sql: string): number[] {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  return [...code.matchAll(/(?<![\w:]):(\d+)\b/g)].map((m) => Number(m[1]));
}

/** A name for each write, in the order the lifecycle must send them. */
function lifecycleStep(sql: string): string | undefined {
  if (/^UPDATE "recon"\."discrepancy" d SET status = 'resolved'/.test(sql)) return "resolve";
  if (/^UPDATE "recon"\."discrepancy" d SET .*reopened_count = d\.reopened_count \+ 1/s.test(sql))
    return "reopen";
  if (/^UPDATE "recon"\."discrepancy" d SET customer_id = s\.customer_id/.test(sql)) return "refresh";
  if (/^INSERT INTO "recon"\."discrepancy" \(/.test(sql)) return "open";
  if (/^INSERT INTO "recon"\."discrepancy_events"/.test(sql)) return "events";
  if (/^UPDATE "recon"\."discrepancy" d SET period = /.test(sql)) return "ledger-period";
  if (/^UPDATE "recon"\."discrepancy" d SET review_state = /.test(sql)) return "ledger-reset";
  if (/^DELETE FROM "recon"\."history"/.test(sql)) return "history-delete";
  if (/^INSERT INTO "recon"\."history"/.test(sql)) return "history-insert";
  if (/^DELETE FROM "recon"\."rule_status"/.test(sql)) return "rule-status-delete";
  if (/^INSERT INTO "recon"\."rule_status"/.test(sql)) return "rule-status-insert";
  return undefined;
}

describe("reconciliation on Snowflake", () => {
  it("creates the recon schema with DDL only, in Snowflake types, nothing Postgres-only", async () => {
    const { conn, sent } = recordingConnection();
    const runner = new TransactionRunner(conn);
    await ensureReconSchema(new SnowflakeSession(runner, kyselyOn(runner)));
    expect(runner.began).toBe(false);
    // DDL only, but for the one read of whether canonical.customer exists (the queue's names).
    expect(sent.filter((s) => statementKind(s.sql) !== "ddl").map((s) => s.sql)).toEqual([
      expect.stringMatching(/^SELECT 1 FROM information_schema\.tables /),
    ]);
    expect(sent.flatMap((s) => postgresOnlyConstructs(s.sql))).toEqual([]);
    const created = sent.flatMap((s) => {
      const m = /^CREATE (?:OR REPLACE )?(?:SCHEMA|TABLE|VIEW) (?:IF NOT EXISTS )?(\S+)/.exec(s.sql);
      return m ? [m[1]] : [];
    });
    expect(created).toEqual([
      `"recon"`,
      `"recon"."discrepancy"`,
      `"recon"."discrepancy_events"`,
      `"recon"."signoff"`,
      `"recon"."history"`,
      `"recon"."rule_status"`,
      `"recon"."open_discrepancies"`,
      `"recon"."summary"`,
      `"recon"."exception_queue"`,
      `"recon"."close_status"`,
    ]);
    // Tables made before the ledger get its columns.
    expect(sent.map((s) => s.sql)).toContainEqual(
      expect.stringMatching(
        /^ALTER TABLE "recon"\."discrepancy" ADD COLUMN IF NOT EXISTS "review_state" VARCHAR NOT NULL DEFAULT 'unreviewed'/,
      ),
    );
    const discrepancy = sent[1]!.sql;
    expect(discrepancy).toMatch(/"detail" VARIANT/);
    expect(discrepancy).toMatch(/"first_seen_at" TIMESTAMP_TZ NOT NULL/);
    expect(discrepancy).toMatch(/"amount_reporting" NUMBER\(38,10\)/);
    expect(discrepancy).toMatch(/PRIMARY KEY \("category", "key"\)/);
    // Views are replaced every run: their grants must survive.
    const views = sent.filter((s) => /^CREATE OR REPLACE VIEW/.test(s.sql));
    expect(views).toHaveLength(4);
    expect(views.every((s) => /COPY GRANTS/.test(s.sql))).toBe(true);
  });

  it("runs every rule family: all DDL before BEGIN, one transaction each, the lifecycle in order", async () => {
    const { conn, sent } = recordingConnection(lifecycleAnswers);
    const results = await reconcile({
      warehouse: SnowflakeWarehouse.on(conn),
      config,
      asOf: AS_OF,
      runId: "r1",
      log,
    });
    expect(results.map((r) => r.family)).toEqual(RULE_FAMILIES.map((f) => f.name));

    // Nothing Postgres-only (RETURNING, unnest, ::text[], now(), …), no array binds, no ANALYZE.
    const problems = sent.flatMap((s) =>
      postgresOnlyConstructs(s.sql).map((p) => `${s.sql.slice(0, 60)}: ${p}`),
    );
    expect(problems).toEqual([]);
    expect(sent.filter((s) => /^\s*ANALYZE\b/i.test(s.sql) || /=\s*ANY\s*\(/i.test(s.sql))).toEqual([]);
    for (const s of sent) {
      for (const b of s.binds)
        expect(b === null || ["string", "number"].includes(typeof b), s.sql).toBe(true);
      for (const n of placeholders(s.sql)) expect(n, s.sql).toBeLessThanOrEqual(s.binds.length);
    }
    // DDL takes no binds on Snowflake.
    expect(sent.filter((s) => statementKind(s.sql) === "ddl" && s.binds.length)).toEqual([]);

    // One transaction per family: every DDL statement before its BEGIN, none between BEGIN and COMMIT.
    const commits = sent.flatMap((s, i) => (s.sql === "COMMIT" ? [i] : []));
    expect(commits).toHaveLength(RULE_FAMILIES.length);
    let start = 0;
    for (const [i, end] of commits.entries()) {
      const family = RULE_FAMILIES[i]!;
      const segment = sent.slice(start, end);
      start = end + 1;
      const begin = segment.findIndex((s) => s.sql === "BEGIN");
      expect(begin, family.name).toBeGreaterThan(0);
      expect(segment.filter((s) => s.sql === "BEGIN")).toHaveLength(1);
      const ddl = segment.flatMap((s, j) => (statementKind(s.sql) === "ddl" ? [j] : []));
      expect(Math.max(...ddl), family.name).toBeLessThan(begin);
      // The detail table and the change set are built before the first write.
      const before = segment.slice(0, begin).map((s) => s.sql);
      const detail = `"recon"."${family.name}_detail"`;
      expect(before).toContainEqual(
        expect.stringMatching(
          new RegExp(`^CREATE OR REPLACE TEMPORARY TABLE "recon"\\."${family.name}_detail__new" AS\\n`),
        ),
      );
      expect(before).toContainEqual(
        expect.stringMatching(/^SELECT category, key FROM .* HAVING count\(\*\) > 1 LIMIT 5$/),
      );
      expect(before).toContainEqual(
        expect.stringContaining(`CREATE OR REPLACE TABLE ${detail} COPY GRANTS COMMENT = `),
      );
      expect(before).toContainEqual(
        expect.stringMatching(
          new RegExp(`^CREATE OR REPLACE TEMPORARY TABLE "recon"\\."${family.name}_detail__changes" AS`),
        ),
      );
      // Its described columns get their descriptions, in one DDL statement before the first write.
      expect(before.filter((q) => q.startsWith(`ALTER TABLE ${detail} ALTER `))).toEqual([
        expect.stringMatching(
          /ALTER "category" COMMENT '[^']+', "key" COMMENT '[^']+', "delta" COMMENT '[^']+'$/,
        ),
      ]);
      // The writes: resolve, reopen, refresh, open, events, the day's history; each once.
      const writes = segment.slice(begin + 1).filter((s) => statementKind(s.sql) === "dml");
      expect(
        writes.map((s) => lifecycleStep(s.sql)),
        family.name,
      ).toEqual([
        "resolve",
        "reopen",
        "refresh",
        "open",
        "events",
        "history-delete",
        "history-insert",
        "ledger-period",
        "events",
        "ledger-reset",
        "rule-status-delete",
        "rule-status-insert",
      ]);
      const [resolve, reopen, , open, events, historyDelete] = writes;
      expect(resolve!.sql).toMatch(/FROM "recon"\."\w+_detail__changes" c\s+WHERE c\.event = 'resolved'/);
      expect(resolve!.binds).toEqual([AS_OF, "r1"]);
      expect(reopen!.sql).toContain(`FROM ${detail} s WHERE`);
      expect(open!.binds).toEqual([AS_OF, "r1", family.name]);
      expect(open!.sql).toMatch(/WHERE NOT EXISTS \(SELECT 1 FROM "recon"\."discrepancy" d/);
      expect(events!.sql).toMatch(
        /SELECT :2, TO_TIMESTAMP_TZ\(:1\), c\.category, c\.key, c\.event FROM "recon"\."\w+_detail__changes" c/,
      );
      const categories = family.rules.map((r) => `'${r.category}'`).join(", ");
      expect(historyDelete!.sql).toContain(`category IN (${categories})`);
      // A config naming no source reads whatever staging holds: every rule ran, one 'ran' row each.
      const ruleStatus = writes.at(-1)!.sql;
      for (const r of family.rules)
        expect(ruleStatus).toContain(
          `('${r.category}', '${family.name}', 'ran', NULL, 'r1', TO_TIMESTAMP_TZ(`,
        );
    }

    // Counts come from the change set, open totals from recon.discrepancy (numbers arrive as text).
    for (const r of results) {
      expect(r).toMatchObject({ opened: 2, reopened: 1, resolved: 3 });
      const first = RULE_FAMILIES.find((f) => f.name === r.family)!.rules[0]!.category;
      expect(r.open[first]).toBe(4);
    }
  });

  it("a family that returns a key twice stops before the detail table is replaced or anything is written", async () => {
    const family: RuleFamily = {
      name: "dupes",
      description: "Test family.",
      rules: [
        {
          category: "invoice_amount_mismatch",
          description: "returns one key twice",
          sql: (ctx) =>
            `SELECT 'stripe:in_1' AS key, NULL AS customer_id, NULL AS entity, 'stripe' AS left_system, '1' AS left_value,
                    'netsuite' AS right_system, '2' AS right_value, ${ctx.d.cast("1", "numeric")} AS delta, 'USD' AS currency,
                    ${ctx.d.cast("1", "numeric")} AS amount_reporting, ${ctx.d.jsonObject([["a", "1"]])} AS detail`,
        },
      ],
    };
    const { conn, sent } = recordingConnection((sql) =>
      /HAVING count\(\*\) > 1/.test(sql) ? [{ CATEGORY: "invoice_amount_mismatch", KEY: "stripe:in_1" }] : [],
    );
    await expect(
      runFamily(SnowflakeWarehouse.on(conn), family, { config, asOf: AS_OF, runId: "r1", log }),
    ).rejects.toThrow(/returned the same key twice: invoice_amount_mismatch stripe:in_1/);
    expect(sent.map((s) => s.sql)).not.toContain("BEGIN");
    expect(sent.filter((s) => s.sql.includes(`"recon"."dupes_detail" COPY GRANTS`))).toEqual([]);
  });
});
