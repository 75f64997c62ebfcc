import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { rejectsFromValidate, writeStageFiles } from "../../warehouse/snowflake/stage-load.js";

/** The files trueup PUTs to a Snowflake stage, read back with a CSV parser set like the COPY's file format. */
describe("Snowflake stage files", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-stage-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("carry every value exactly, NULL apart from the empty string, split across files", async () => {
    const rows = [
      [
        "K-1",
        'say "hi", then leave',
        null,
        "",
        12.5,
        true,
        new Date("2026-11-22T10:00:00Z"),
        { a: [1, "x"] },
      ],
      ["K-2", "line\nbreak", "\\N as text", "0001", -3, false, null, null],
      ["K-3", "Zürich", "x", "y", 0, null, null, { deleted: true }],
    ];
    const files = await writeStageFiles(dir, "raw", [rows.slice(0, 2), rows.slice(2)], 2);
    expect(files.map((f) => [path.basename(f.file), f.firstRow, f.rows])).toEqual([
      ["raw-00000.csv.gz", 0, 2],
      ["raw-00001.csv.gz", 2, 1],
    ]);
    const back = files.flatMap(
      (f) =>
        parse(gunzipSync(readFileSync(f.file)).toString("utf8"), {
          relax_column_count: false,
          quote: '"',
          cast: (v, ctx) => (v === "\\N" && !ctx.quoting ? null : v),
        }) as (string | null)[][],
    );
    expect(back).toEqual([
      ["K-1", 'say "hi", then leave', null, "", "12.5", "TRUE", "2026-11-22T10:00:00.000Z", '{"a":[1,"x"]}'],
      ["K-2", "line\nbreak", "\\N as text", "0001", "-3", "FALSE", null, null],
      ["K-3", "Zürich", "x", "y", "0", null, null, '{"deleted":true}'],
    ]);
  });

  it("map COPY's skipped rows back to the input rows' positions as rejects", () => {
    const files = [
      { file: path.join(dir, "staging-00000.csv.gz"), firstRow: 0, rows: 2 },
      { file: path.join(dir, "staging-00001.csv.gz"), firstRow: 2, rows: 2 },
    ];
    const positions = ["invoices_2026-10.csv:2", "invoices_2026-10.csv:3", "invoices_2026-10.csv:4", "x"];
    const rejects = rejectsFromValidate(
      [
        {
          ERROR: "Numeric value 'abc' is not recognized",
          FILE: "erp_files__invoices/staging-00001.csv.gz",
          LINE: 1,
          COLUMN_NAME: '"_trueup_batch_erp_files__invoices"["gross_amount":5]',
          REJECTED_RECORD: "K-9,abc",
        },
      ],
      files,
      positions,
    );
    expect(rejects).toEqual([
      {
        position: "invoices_2026-10.csv:4",
        field: "gross_amount",
        reason: "Snowflake COPY: Numeric value 'abc' is not recognized",
        record: "K-9,abc",
      },
    ]);
  });
});
