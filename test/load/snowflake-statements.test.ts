import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { loadStream } from "../../load/load-stream.js";
import type { StreamDescriptor } from "../../load/interfaces.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";
import { statementKind } from "../../warehouse/snowflake/session.js";
import { SnowflakeWarehouse } from "../../warehouse/snowflake/warehouse.js";
import { recordingConnection } from "../helpers/snowflake.js";
import { from } from "../helpers/batches.js";

/**
 * `trueup extract`'s load on Snowflake, checked without an account: the real loadStream over a
 * SnowflakeWarehouse whose snowflake-sdk connection records every statement (PUT included: the
 * staged files are read back when it is sent) and answers as Snowflake would. The live suite
 * (test/snowflake-live/load.test.ts) runs the same against Snowflake.
 */

describe("loading a stream on Snowflake", () => {
  it("stages each batch before its transaction, then COPY, raw, MERGE, rejects and cursor in one", async () => {
    const staged: string[][][] = [];
    const { conn, sent } = recordingConnection((sql) => {
      const put = /^PUT 'file:\/\/(.+)\/([^/]+)-\*\.csv\.gz'/.exec(sql);
      if (put) {
        for (const f of readdirSync(put[1]!)
          .filter((n) => n.startsWith(put[2]!))
          .sort())
          staged.push(parse(gunzipSync(readFileSync(path.join(put[1]!, f))).toString("utf8")));
        return [];
      }
      if (/^COPY INTO/.test(sql))
        return [{ file: "x", status: "LOADED", rows_loaded: "2", errors_seen: "0" }];
      return [];
    });
    const wh = SnowflakeWarehouse.on(conn);
    const desc: StreamDescriptor = {
      source: "api",
      stream: "things",
      primaryKey: ["id"],
      versionColumn: "updated",
      columnTypes: { updated: "timestamptz", amount: "numeric" },
    };
    const result = await loadStream(
      wh,
      desc,
      from([
        {
          records: [
            { id: "0001", amount: "1190.00", updated: "2026-01-02T00:00:00Z", tags: ["a"] },
            { id: "0002", amount: null, updated: "2026-01-01T00:00:00Z" },
            { amount: "3" }, // no key: a reject, in the same transaction
          ],
          positions: ["page 1", "page 1", "page 1"],
          cursor: { page: 1 },
        },
      ]),
      { runId: "run-1" },
    );
    expect(result).toMatchObject({ rows: 2, rejects: 1, batches: 1, cursor: { page: 1 } });

    const statements = sent.map((s) => s.sql);
    expect(statements.flatMap((s) => postgresOnlyConstructs(s))).toEqual([]);
    // The batch's transaction: everything after its BEGIN is a write or a read, never DDL or PUT.
    const begin = statements.lastIndexOf("BEGIN");
    const before = statements.slice(0, begin).map(statementKind);
    const during = statements.slice(begin + 1, statements.lastIndexOf("COMMIT"));
    expect(during.map(statementKind).filter((k) => k === "ddl" || k === "put")).toEqual([]);
    expect(before).toContain("put");
    const head = (s: string) => s.replace(/\s+/g, " ").slice(0, 60);
    expect(during.map(head)).toEqual([
      expect.stringMatching(/^COPY INTO "staging"\."_trueup_batch__api__things"/),
      expect.stringMatching(/^SELECT "column", COUNT\(\*\)/),
      expect.stringMatching(/^INSERT INTO "raw"\."api__things"/),
      expect.stringMatching(/^MERGE INTO "staging"\."api__things" t/),
      expect.stringMatching(/^INSERT INTO "trueup"\."rejects"/),
      expect.stringMatching(/^MERGE INTO "trueup"\."extract_state"/),
    ]);
    // The reject carries its position and field; the cursor its JSON; both as binds.
    const reject = sent.find((s) => s.sql.startsWith(`INSERT INTO "trueup"."rejects"`))!;
    expect(reject.binds.slice(0, 6)).toEqual(["run-1", "api", "things", "page 1", null, "id"]);
    const cursor = sent.find((s) => s.sql.startsWith(`MERGE INTO "trueup"."extract_state"`))!;
    expect(cursor.binds).toEqual(["api", "things", '{"page":1}', "run-1"]);

    // The staged file: staging's columns then the arrival order; NULL apart from the empty string.
    expect(staged).toHaveLength(1);
    const [first, second] = staged[0]!;
    expect(first!.slice(0, 4)).toEqual(["0001", "1190.00", "2026-01-02T00:00:00.000Z", '["a"]']);
    expect(JSON.parse(first![4]!)).toEqual({
      id: "0001",
      amount: "1190.00",
      updated: "2026-01-02T00:00:00Z",
      tags: ["a"],
    });
    expect(first!.at(-1)).toBe("0");
    expect(second![1]).toBe("\\N");
    expect(second!.at(-1)).toBe("1");
  });
});
