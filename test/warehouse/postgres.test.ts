import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toLoadBatch } from "../../load/arrow.js";
import type { ColumnSpec, CopyChunk } from "../../warehouse/interfaces.js";
import { copyTextOf } from "../../warehouse/postgres/copy-encode.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const NASTY = [
  "plain",
  "tab\there",
  "new\nline",
  "carriage\r\nreturn",
  "back\\slash \\N not null",
  `quotes ' and " and \``,
  "ünïcødé 漢字 🚀 Ωμέγα",
  "",
  "   padded   ",
  "\\.",
];

type Row = Record<string, unknown> & { at?: Date | null; doc?: unknown };

/** Row i read back must equal expected(i): timestamps by instant, jsonb by value; the first misses shown in full. */
function expectReadBack(rows: Row[], expected: (i: number) => Row): void {
  let mismatches = 0;
  rows.forEach((r, i) => {
    const e = expected(i);
    const same = Object.keys(e).every((k) =>
      k === "at"
        ? (r.at?.getTime() ?? null) === (e.at?.getTime() ?? null)
        : k === "doc"
          ? JSON.stringify(r.doc) === JSON.stringify(e.doc)
          : r[k] === e[k],
    );
    if (!same) mismatches++;
    if (!same && mismatches < 3) expect(r).toEqual(e);
  });
  expect(mismatches).toBe(0);
}

const COLUMNS: ColumnSpec[] = [
  { name: "id", type: "bigint", nullable: false },
  { name: "label", type: "text" },
  { name: "amount", type: "numeric" },
  { name: "flag", type: "boolean" },
  { name: "at", type: "timestamptz" },
  { name: "doc", type: "jsonb" },
];

/** Creates copytest.<name>, copies the chunks in, and checks every row read back (by id) against expected. */
async function expectRoundTrip(
  name: string,
  columns: ColumnSpec[],
  chunks: Iterable<CopyChunk>,
  n: number,
  expected: (i: number) => Row,
): Promise<void> {
  const wh = t.warehouse;
  const table = { schema: "copytest", name };
  await wh.ensureSchema("copytest");
  await wh.ensureTable(table, columns);
  const names = columns.map((c) => c.name);
  expect(await wh.copyIn(table, names, chunks)).toBe(n);
  const rows = await wh.query<Row>(`SELECT ${names.join(", ")} FROM copytest.${name} ORDER BY id`);
  expect(rows).toHaveLength(n);
  expectReadBack(rows, expected);
}

describe("copyIn", () => {
  it("loads 100,000 rows and reads back exactly what went in, NULLs and awkward text included", async () => {
    const N = 100_000;
    const expected = (i: number) => ({
      id: String(i),
      label: i % 7 === 0 ? null : `${NASTY[i % NASTY.length]}#${i}`,
      amount: i % 11 === 0 ? null : `${i}.${String(i % 100).padStart(2, "0")}`,
      flag: i % 13 === 0 ? null : i % 2 === 0,
      at: i % 17 === 0 ? null : new Date(Date.UTC(2026, 0, 1) + i * 1000),
      doc: i % 19 === 0 ? null : { i, s: NASTY[i % NASTY.length], nested: { ok: true } },
    });
    function* batches() {
      for (let start = 0; start < N; start += 5_000) {
        const batch = [];
        for (let i = start; i < Math.min(N, start + 5_000); i++) {
          const e = expected(i);
          batch.push([e.id, e.label, e.amount, e.flag, e.at, e.doc]);
        }
        yield batch;
      }
    }
    await expectRoundTrip("rows", COLUMNS, batches(), N, expected);
  });

  it("COPY text made straight from Arrow buffers reads back exactly: NULLs, escapes, multi-byte text", async () => {
    const N = 20_000;
    const expected = (i: number) => ({
      id: String(i),
      // short values (< 16 bytes) and long ones, with and without bytes that need escaping
      label:
        i % 7 === 0 ? null : i % 3 === 0 ? `${NASTY[i % NASTY.length]}` : `${NASTY[i % NASTY.length]}#${i}`,
      flag: i % 13 === 0 ? null : i % 2 === 0,
      at: i % 17 === 0 ? null : new Date(Date.UTC(2026, 0, 1) + i * 1000),
      doc: i % 19 === 0 ? null : { i, s: NASTY[i % NASTY.length], nested: { ok: true } },
    });
    const columns = COLUMNS.filter((c) => c.name !== "amount");
    function* chunks() {
      for (let start = 0; start < N; start += 4_000) {
        const es = Array.from({ length: 4_000 }, (_, k) => expected(start + k));
        const batch = toLoadBatch(
          columns.map(({ name, type }) => ({ name, type, values: es.map((e) => e[name as keyof typeof e]) })),
        );
        yield* copyTextOf(
          batch.arrow,
          columns.map((c) => c.name),
          1_500,
        );
      }
    }
    await expectRoundTrip("arrow", columns, chunks(), N, expected);
  });

  it("COPY text from Arrow refuses a NUL byte with the row and column named", () => {
    const batch = toLoadBatch([{ name: "v", type: "text", values: ["ok", "also fine", "bad\u0000value"] }]);
    expect(() => [...copyTextOf(batch.arrow, ["v"])]).toThrow(/row 2, column v: .*NUL/);
  });

  it("refuses a NUL character with the row and column named, loading nothing of that batch", async () => {
    const wh = t.warehouse;
    const table = { schema: "copytest", name: "nul" };
    await wh.ensureTable(table, [{ name: "v", type: "text" }]);
    await expect(wh.copyIn(table, ["v"], [[["ok"], ["bad\u0000value"]]])).rejects.toThrow(
      /row 1, column v: .*NUL/,
    );
    expect(await wh.query(`SELECT * FROM copytest.nul`)).toHaveLength(0);
  });
});

describe("transactions", () => {
  it("a transaction that throws leaves nothing behind: no schema, table, rows or cursor", async () => {
    const wh = t.warehouse;
    await expect(
      wh.transaction(async (tx) => {
        await tx.ensureSchema("txtest");
        await tx.ensureTable({ schema: "txtest", name: "t" }, [{ name: "a", type: "text" }]);
        await tx.copyIn({ schema: "txtest", name: "t" }, ["a"], [[["x"], ["y"]]]);
        await tx.db
          .insertInto("trueup.extract_state")
          .values({ source: "s", stream: "t", cursor: JSON.stringify({ at: 1 }) })
          .execute();
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await wh.tableExists({ schema: "txtest", name: "t" })).toBe(false);
    const schemas = await wh.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'txtest'`);
    expect(schemas).toHaveLength(0);
    expect(await wh.query(`SELECT * FROM trueup.extract_state WHERE source = 's'`)).toHaveLength(0);
  });

  it("a transaction that succeeds commits rows and state together", async () => {
    const wh = t.warehouse;
    await wh.transaction(async (tx) => {
      await tx.ensureSchema("txok");
      await tx.ensureTable({ schema: "txok", name: "t" }, [{ name: "a", type: "text" }]);
      await tx.copyIn({ schema: "txok", name: "t" }, ["a"], [[["x"]]]);
      await tx.query(
        `INSERT INTO trueup.extract_state (source, stream, cursor) VALUES ('ok', 't', '{"n":1}')`,
      );
    });
    expect(await wh.query(`SELECT a FROM txok.t`)).toEqual([{ a: "x" }]);
    expect(await wh.query(`SELECT cursor FROM trueup.extract_state WHERE source = 'ok'`)).toEqual([
      { cursor: { n: 1 } },
    ]);
  });
});

describe("identifiers", () => {
  const names = [
    `"; drop table x; --`,
    "Select",
    "ünïcødé",
    "a".repeat(70),
    "a".repeat(63) + "b", // shares a 63-byte prefix with the previous one: must not collide
    "ü".repeat(40), // 80 bytes of UTF-8 in 40 characters
  ];
  it("tables and columns with hostile, reserved, unicode and over-long names round-trip safely", async () => {
    const wh = t.warehouse;
    await wh.ensureSchema("Weird Schema");
    for (const tableName of names) {
      const table = { schema: "Weird Schema", name: tableName };
      await wh.ensureTable(
        table,
        names.map((n) => ({ name: n, type: "text" as const })),
      );
      await wh.copyIn(table, names, [[names.map((n) => `value of ${n}`)]]);
      expect(await wh.tableExists(table)).toBe(true);
      const cols = await wh.columns(table);
      expect(cols.map((c) => c.name)).toEqual(names);
      const select = names.map((n) => wh.quoteIdent(n)).join(", ");
      const rows = await wh.query<Record<string, string>>(`SELECT ${select} FROM ${wh.quoteTable(table)}`);
      expect(rows).toHaveLength(1);
      expect(Object.values(rows[0]!)).toEqual(names.map((n) => `value of ${n}`));
    }
    // The injection attempt created a table; it did not drop anything.
    const tables = await wh.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'Weird Schema'`,
    );
    expect(tables).toHaveLength(names.length);
  });

  it("adds missing columns, and only those", async () => {
    const wh = t.warehouse;
    const table = { schema: "copytest", name: "evolve" };
    expect(await wh.ensureTable(table, [{ name: "a", type: "text" }])).toEqual([]);
    expect(
      await wh.ensureTable(table, [
        { name: "a", type: "text" },
        { name: "b", type: "numeric" },
      ]),
    ).toEqual(["b"]);
    expect(await wh.ensureColumns(table, [{ name: "b", type: "numeric" }])).toEqual([]);
    expect((await wh.columns(table)).map((c) => [c.name, c.type])).toEqual([
      ["a", "text"],
      ["b", "numeric"],
    ]);
  });
});

describe("migrations", () => {
  it("are idempotent: a second migrate applies nothing and the trueup tables exist", async () => {
    const { migrate } = await import("../../warehouse/migrations/migrate.js");
    expect((await migrate(t.warehouse)).applied).toEqual([]);
    for (const name of ["runs", "node_runs", "extract_state", "file_loads", "rejects", "migrations"]) {
      expect(await t.warehouse.tableExists({ schema: "trueup", name })).toBe(true);
    }
  });
});
