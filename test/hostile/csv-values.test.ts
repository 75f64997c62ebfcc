import { isUtf8 } from "node:buffer";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invalidUtf8Offsets } from "../../extract/files/csv-values.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Hostile values in legacy-ERP CSV exports, through the real `trueup extract` binary: each bad
 * value is a reject (or a note) naming its file, line, record and field; the rest loads; a
 * second run is clean; and `trueup.file_loads` counts what actually happened.
 */
let t: TestDatabase;
let dir: string;
let configFile: string;

const HEADER = "invoice_no;customer_no;status;amount";
const WIDE_KEYS = 2_000;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "trueup-hostile-csv-"));
  configFile = path.join(dir, "hostile.config.mjs");
  mkdirSync(path.join(dir, "exports"));
  const file = (pattern: string, stream: string, extra: Record<string, unknown> = {}) => ({
    pattern,
    stream,
    primaryKey: ["invoice_no"],
    columns: { amount: "numeric" },
    ...extra,
  });
  const config = {
    sources: {
      erp_files: {
        files: [
          file("nul_*.csv", "nul"),
          file("enc_*.csv", "enc"),
          file("latin_*.csv", "latin", { encoding: "latin1" }),
          file("cp_*.csv", "cp", { encoding: "windows-1252" }),
          file("delim_*.csv", "delim", { delimiter: "," }),
          file("dir_*.csv", "dirs"),
          file("wide_*.csv", "wide", { columns: {} }),
          file("long_*.csv", "long"),
          file("big_*.csv", "big"),
          file("hdr_*.csv", "hdr"),
          file("dup_*.csv", "dup"),
        ],
      },
    },
  };
  writeFileSync(configFile, `export default ${JSON.stringify(config)};\n`);
});
afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const exportsDir = () => path.join(dir, "exports");
function write(name: string, lines: (string | Buffer)[], header = HEADER) {
  const parts = [header, ...lines].map((l) => (typeof l === "string" ? Buffer.from(l, "utf8") : l));
  const out: Buffer[] = [];
  for (const p of parts) out.push(p, Buffer.from("\r\n"));
  writeFileSync(path.join(exportsDir(), name), Buffer.concat(out));
}

interface StreamOut {
  stream: string;
  status: string;
  rows: number;
  rejects: number;
  error?: string;
}
async function extract(stream: string) {
  const r = await runCli(["--config", configFile, "--json", "extract", `erp_files.${stream}`], {
    cwd: REPO_ROOT,
    env: { WAREHOUSE_URL: t.url, ERP_EXPORT_DIR: exportsDir() },
    timeoutMs: 90_000,
  });
  expect(r.stderr).not.toMatch(/unexpected|TypeError/);
  const out = JSON.parse(r.stdout) as { streams: StreamOut[] };
  const s = out.streams.find((x) => x.stream === stream)!;
  return { code: r.code, stream: s, stderr: r.stderr };
}

const rejectsOf = (stream: string) =>
  t.warehouse.query<{
    position: string;
    record_key: string | null;
    field: string | null;
    reason: string;
    record: unknown;
  }>(
    `SELECT position, record_key, field, reason, record FROM trueup.rejects WHERE source = 'erp_files' AND stream = $1 ORDER BY id`,
    [stream],
  );
const fileLoad = (file: string) =>
  t.warehouse
    .query<{ rows: number; rejects: number }>(
      `SELECT rows::int, rejects::int FROM trueup.file_loads WHERE file_name = $1`,
      [file],
    )
    .then((r) => r[0]);

describe("hostile CSV values", () => {
  it("the byte scanner that locates bad UTF-8 agrees with Node's own validator", () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    let invalid = 0;
    for (let n = 0; n < 50_000; n++) {
      const bytes = Array.from({ length: 1 + (rand() % 6) }, () =>
        rand() % 3 ? 0x80 + (rand() % 128) : 0x41,
      );
      const buf = Buffer.from(bytes);
      expect([bytes, invalidUtf8Offsets(buf).length === 0]).toEqual([bytes, isUtf8(buf)]);
      if (!isUtf8(buf)) invalid++;
    }
    expect(Math.min(invalid, 50_000 - invalid)).toBeGreaterThan(1_000);
  });

  it("a NUL in one field rejects that row with file, line, key and field; the rest and later files load; a second run is clean", async () => {
    write("nul_1.csv", ["K-1;C-1;open;1,00", "K-2;C-2;op\u0000en;2,00", "K-3;C-3;paid;3,00"]);
    const first = await extract("nul");
    expect(first.stream).toMatchObject({ status: "succeeded", rows: 2, rejects: 1 });
    expect(first.code).toBe(0);
    const [r] = await rejectsOf("nul");
    expect(r).toMatchObject({ position: "nul_1.csv:3", record_key: "K-2", field: "status" });
    expect(r!.reason).toMatch(/NUL/);
    // The reject keeps the record, the NUL written as its escape (jsonb cannot hold it).
    expect(r!.record).toMatchObject({ invoice_no: "K-2", status: "op\\u0000en" });
    expect(await fileLoad("nul_1.csv")).toEqual({ rows: 2, rejects: 1 });

    // A later export changes K-1: it loads; the rejected file is not read again.
    write("nul_2.csv", ["K-1;C-1;paid;1,00"]);
    const second = await extract("nul");
    expect(second.stream).toMatchObject({ status: "succeeded", rows: 1, rejects: 0 });
    expect(
      await t.warehouse.query(`SELECT invoice_no, status FROM staging.erp_files__nul ORDER BY invoice_no`),
    ).toEqual([
      { invoice_no: "K-1", status: "paid" },
      { invoice_no: "K-3", status: "paid" },
    ]);
    const third = await extract("nul");
    expect(third.stream).toMatchObject({ status: "succeeded", rows: 0, rejects: 0 });
    expect(await rejectsOf("nul")).toHaveLength(1);
  });

  it("a NUL in a header name rejects the rows that have the field, naming it; the stream succeeds", async () => {
    write("hdr_1.csv", ["K-1;C-1;x;1,00"], "invoice_no;customer_no;no\u0000te;amount");
    const out = await extract("hdr");
    expect(out.stream).toMatchObject({ status: "succeeded", rows: 0, rejects: 1 });
    const [r] = await rejectsOf("hdr");
    expect(r).toMatchObject({ position: "hdr_1.csv:2", record_key: "K-1", field: "no\\u0000te" });
    expect(r!.reason).toMatch(/its name holds a NUL/);
    expect(await fileLoad("hdr_1.csv")).toEqual({ rows: 0, rejects: 1 });
  });

  it("two header names that map to one column: the later's value is the column's, and a note says so", async () => {
    write("dup_1.csv", ["K-1;first;second;1,00"], "invoice_no;Customer No;customer_no;amount");
    const out = await extract("dup");
    expect(out.stream).toMatchObject({ status: "succeeded", rows: 1, rejects: 0 });
    const notes = await rejectsOf("dup");
    expect(notes.map((n) => [n.position, n.field])).toEqual([["dup_1.csv:2", "customer_no"]]);
    expect(notes[0]!.reason).toMatch(/both map to column customer_no.*_trueup_payload/);
    expect(
      await t.warehouse.query(
        `SELECT customer_no, _trueup_payload->>'Customer No' AS other FROM staging.erp_files__dup`,
      ),
    ).toEqual([{ customer_no: "second", other: "first" }]);
  });

  it("bytes that are not UTF-8 reject their row with its line (never U+FFFD); latin1 and windows-1252 patterns convert", async () => {
    const e9 = Buffer.from([0xe9]);
    write("enc_1.csv", [
      "K-1;C-1;open;1,00",
      Buffer.concat([Buffer.from("K-2;Caf"), e9, Buffer.from(";open;2,00")]),
      "K-3;C-3;bezahlt – ok;3,00",
    ]);
    const enc = await extract("enc");
    expect(enc.stream).toMatchObject({ status: "succeeded", rows: 2, rejects: 1 });
    const [r] = await rejectsOf("enc");
    expect(r).toMatchObject({ position: "enc_1.csv:3", record_key: "K-2" });
    expect(r!.reason).toMatch(/line 3 is not valid UTF-8 \(byte 0xE9\).*encoding: "latin1"/);
    expect(await fileLoad("enc_1.csv")).toEqual({ rows: 2, rejects: 1 });
    const fffd = await t.warehouse.query(
      `SELECT invoice_no FROM staging.erp_files__enc WHERE customer_no LIKE '%' || chr(65533) || '%' OR status LIKE '%' || chr(65533) || '%'`,
    );
    expect(fffd).toEqual([]);
    expect(
      await t.warehouse.query(`SELECT status FROM staging.erp_files__enc WHERE invoice_no = 'K-3'`),
    ).toEqual([{ status: "bezahlt – ok" }]);

    write("latin_1.csv", [Buffer.concat([Buffer.from("K-1;Caf"), e9, Buffer.from(";open;1,00")])]);
    write("cp_1.csv", [
      Buffer.concat([Buffer.from("K-1;C-1;"), Buffer.from([0x80, 0x93]), Buffer.from("x;1,00")]),
    ]);
    expect((await extract("latin")).stream).toMatchObject({ status: "succeeded", rows: 1, rejects: 0 });
    expect((await extract("cp")).stream).toMatchObject({ status: "succeeded", rows: 1, rejects: 0 });
    expect(await t.warehouse.query(`SELECT customer_no FROM staging.erp_files__latin`)).toEqual([
      { customer_no: "Café" },
    ]);
    expect(await t.warehouse.query(`SELECT status FROM staging.erp_files__cp`)).toEqual([{ status: "€“x" }]);
  });

  it("a file read with the wrong delimiter: file_loads counts every row the loader rejected", async () => {
    write("delim_1.csv", ["K-1;C-1;open;1,00", "K-2;C-2;open;2", "K-3;C-3;paid;3"]);
    const out = await extract("delim");
    expect(out.stream.status).toBe("succeeded");
    const rejects = await rejectsOf("delim");
    expect(rejects.length).toBe(3);
    expect(out.stream).toMatchObject({ rows: 0, rejects: 3 });
    expect(await fileLoad("delim_1.csv")).toEqual({ rows: 0, rejects: 3 });
  });

  it("a folder whose name matches a pattern is skipped with a warning; the stream's files load", async () => {
    mkdirSync(path.join(exportsDir(), "dir_0.csv"));
    write("dir_1.csv", ["K-1;C-1;open;1,00"]);
    const out = await extract("dirs");
    expect(out.stream).toMatchObject({ status: "succeeded", rows: 1, rejects: 0 });
    expect(out.stderr).toMatch(/dir_0\.csv[^\n]*not a file|not a file[^\n]*dir_0\.csv/);
  });

  it(`a header of ${WIDE_KEYS} columns: the table stops at the warehouse's limit, the rest is in the payload, named in rejects`, async () => {
    const names = Array.from({ length: WIDE_KEYS - 1 }, (_, i) => `field_${i + 1}`);
    // K-1's values are one letter each: all of them fit in one row. K-2's are longer.
    const k1 = ["K-1", ...names.map(() => "a")].join(";");
    const k2 = ["K-2", ...names.map((_, i) => `bbbbbbbb${i + 1}`)].join(";");
    write("wide_1.csv", [k1, k2], ["invoice_no", ...names].join(";"));
    const out = await extract("wide");
    expect(out.stream).toMatchObject({ status: "succeeded", rows: 2, rejects: 0 });
    const [cols] = await t.warehouse.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = 'erp_files__wide'`,
    );
    expect(cols!.n).toBeLessThanOrEqual(1600);
    expect(cols!.n).toBeGreaterThan(1500);
    const notes = await rejectsOf("wide");
    const fieldNotes = notes.filter((n) => /is not a column/.test(n.reason));
    // Every field that did not become a column is named, once.
    expect(fieldNotes.length).toBe(WIDE_KEYS - (cols!.n - 5));
    expect(fieldNotes.at(-1)).toMatchObject({ field: `field_${WIDE_KEYS - 1}`, record_key: "K-1" });
    expect(fieldNotes[0]!.reason).toMatch(/limit of 1600 columns.*_trueup_payload/);
    // K-2's values are too long for all of them to fit in one row: the overflow is NULL there, noted.
    const rowNotes = notes.filter((n) => /do not fit in one warehouse row/.test(n.reason));
    expect(rowNotes.map((n) => n.record_key)).toEqual(["K-2"]);
    const loaded = await t.warehouse.query<{
      last: string | null;
      first: string;
      payload: Record<string, string>;
    }>(
      `SELECT field_1 AS first, field_1500 AS last, _trueup_payload AS payload FROM staging.erp_files__wide ORDER BY invoice_no`,
    );
    expect(loaded.map((r) => [r.first, r.last])).toEqual([
      ["a", "a"],
      ["bbbbbbbb1", null],
    ]);
    expect(loaded[1]!.payload[`field_${WIDE_KEYS - 1}`]).toBe(`bbbbbbbb${WIDE_KEYS - 1}`);
    // The first field the note names is where K-2's row filled up: NULL there, the one before kept.
    const cut = Number(/^field_(\d+)$/.exec(rowNotes[0]!.field!)![1]);
    const [edge] = await t.warehouse.query(
      `SELECT field_${cut - 1} AS before, field_${cut} AS at FROM staging.erp_files__wide WHERE invoice_no = 'K-2'`,
    );
    expect(edge).toEqual({ before: `bbbbbbbb${cut - 1}`, at: null });
    expect(await fileLoad("wide_1.csv")).toEqual({ rows: 2, rejects: 0 });
    const again = await extract("wide");
    expect(again.stream).toMatchObject({ status: "succeeded", rows: 0, rejects: 0 });
  });

  it("over-long column names never collide; 007 stays text; a 1 MB field loads whole", async () => {
    const long = "a_very_long_field_name_that_the_legacy_erp_exports_without_care_";
    write("long_1.csv", ["K-1;007;x;y;1,00"], `invoice_no;customer_no;${long}one;${long}two;amount`);
    const out = await extract("long");
    expect(out.stream).toMatchObject({ status: "succeeded", rows: 1, rejects: 0 });
    const notes = await rejectsOf("long");
    expect(notes.map((n) => n.field)).toEqual([`${long}one`, `${long}two`]);
    expect(notes[0]!.reason).toMatch(/longer than the 63 bytes/);
    const [row] = await t.warehouse.query<{ customer_no: unknown; payload: Record<string, string> }>(
      `SELECT customer_no, _trueup_payload AS payload FROM staging.erp_files__long`,
    );
    expect(row!.customer_no).toBe("007");
    expect(row!.payload[`${long}two`]).toBe("y");

    const big = "x".repeat(1024 * 1024);
    write("big_1.csv", [`K-1;C-1;${big};1,00`, "K-2;C-2;open;2,00"]);
    const b = await extract("big");
    expect(b.stream).toMatchObject({ status: "succeeded", rows: 2, rejects: 0 });
    expect(
      await t.warehouse.query(
        `SELECT length(status) AS n FROM staging.erp_files__big WHERE invoice_no = 'K-1'`,
      ),
    ).toEqual([{ n: 1024 * 1024 }]);
  });
});
