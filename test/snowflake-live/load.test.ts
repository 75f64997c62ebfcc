import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runExtract } from "../../extract/run-extract.js";
import { loadStream, readCursor } from "../../load/index.js";
import type { StreamDescriptor } from "../../load/interfaces.js";
import type { Warehouse } from "../../warehouse/interfaces.js";
import { materialize } from "../../models/materialize.js";
import type { ModelDefinition } from "../../models/interfaces.js";
import { openWarehouse } from "../../warehouse/open.js";
import { from } from "../helpers/batches.js";

/**
 * Loading into a live Snowflake, the way `trueup extract` does: tables in the `raw`, `staging`
 * and `trueup` schemas of WAREHOUSE_URL's database (use a scratch database), named after a
 * stream unique to this run and dropped at the end.
 */
const url = process.env.WAREHOUSE_URL;
if (!url?.startsWith("snowflake://"))
  throw new Error("the live Snowflake suite needs WAREHOUSE_URL=snowflake://… (see docs/operations.md)");

const suffix = `live_${Date.now().toString(36)}`;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
let wh: Warehouse;
const dir = mkdtempSync(path.join(tmpdir(), "trueup-sf-live-"));

beforeAll(async () => {
  const config = parseConfig({ models: { builtin: false } });
  wh = (await openWarehouse(config, { url })).warehouse;
});
afterAll(async () => {
  for (const name of [`v_${suffix}`, `t_${suffix}`, `i_${suffix}`]) {
    await wh?.query(`DROP VIEW IF EXISTS "canonical"."${name}"`).catch(() => undefined);
    await wh?.query(`DROP TABLE IF EXISTS "canonical"."${name}"`).catch(() => undefined);
  }
  for (const schema of ["raw", "staging"])
    for (const name of [`erp_files__${suffix}`, `api__${suffix}`])
      await wh?.query(`DROP TABLE IF EXISTS "${schema}"."${name}"`);
  await wh?.query(`DELETE FROM "trueup"."extract_state" WHERE "stream" = $1`, [suffix]);
  await wh?.query(`DELETE FROM "trueup"."rejects" WHERE "stream" = $1`, [suffix]);
  await wh?.query(`DELETE FROM "trueup"."file_loads" WHERE "stream" = $1`, [suffix]);
  await wh?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loading into a live Snowflake", () => {
  it("loads an ERP export through stages: converted columns, the row as written in the payload, rejects with line and field", async () => {
    writeFileSync(
      path.join(dir, `${suffix}_1.csv`),
      "\ufeffinvoice_no;invoice_date;gross_amount;note\n" +
        "K-1;01.10.2026;1.190,00;first\n" +
        "K-2;32.10.2026;1,00;bad date\n" +
        'K-3;03.10.2026;99,99;"quoted; with ""quotes"""\n',
    );
    const config = parseConfig({
      sources: {
        erp_files: {
          dir,
          files: [
            {
              pattern: `${suffix}_*.csv`,
              stream: suffix,
              primaryKey: ["invoice_no"],
              columns: { invoice_date: "date", gross_amount: "numeric" },
            },
          ],
        },
      },
      models: { builtin: false },
    });
    const [o] = await runExtract({ warehouse: wh, config, credentials: {}, runId: "live-1", log });
    expect(o).toMatchObject({ status: "succeeded", rows: 2, rejects: 1 });
    const rows = await wh.query(
      `SELECT "invoice_no", TO_VARCHAR("invoice_date") AS d, TO_VARCHAR("gross_amount") AS g, "note",
              "_trueup_payload":gross_amount::VARCHAR AS written
         FROM "staging"."erp_files__${suffix}" ORDER BY "invoice_no"`,
    );
    expect(rows).toEqual([
      { invoice_no: "K-1", d: "2026-10-01", g: "1190.0000000000", note: "first", written: "1.190,00" },
      {
        invoice_no: "K-3",
        d: "2026-10-03",
        g: "99.9900000000",
        note: 'quoted; with "quotes"',
        written: "99,99",
      },
    ]);
    const rejects = await wh.query(`SELECT "position", "field" FROM "trueup"."rejects" WHERE "stream" = $1`, [
      suffix,
    ]);
    expect(rejects).toEqual([{ position: `${suffix}_1.csv:3`, field: "invoice_date" }]);
    const again = await runExtract({ warehouse: wh, config, credentials: {}, runId: "live-2", log });
    expect(again[0]).toMatchObject({ rows: 0 }); // the same file is not loaded twice
  });

  it("merges by key, latest version wins, and commits rows with their cursor or not at all", async () => {
    const desc: StreamDescriptor = {
      source: "api",
      stream: suffix,
      primaryKey: ["id"],
      versionColumn: "updated",
      columnTypes: { updated: "timestamptz" },
    };
    await loadStream(
      wh,
      desc,
      from([
        {
          records: [
            { id: "0001", name: "Acme", updated: "2026-01-02T00:00:00Z" },
            { id: "0002", name: "Beta", updated: "2026-01-01T00:00:00Z" },
          ],
          cursor: { at: 1 },
        },
        {
          records: [
            { id: "0001", name: "Acme (old)", updated: "2026-01-01T00:00:00Z" },
            { id: "0002", name: "Beta v2", updated: "2026-01-03T00:00:00Z" },
          ],
          deletes: [],
          cursor: { at: 2 },
        },
      ]),
      { runId: "live-3" },
    );
    const staged = await wh.query(`SELECT "id", "name" FROM "staging"."api__${suffix}" ORDER BY "id"`);
    expect(staged).toEqual([
      { id: "0001", name: "Acme" },
      { id: "0002", name: "Beta v2" },
    ]);
    expect(await readCursor(wh, "api", suffix)).toEqual({ at: 2 });

    // A batch whose transaction fails leaves neither its rows nor its cursor.
    await expect(
      loadStream(
        wh,
        desc,
        from([
          {
            records: [{ id: "0003", name: "Gamma", updated: "2026-01-04T00:00:00Z" }],
            cursor: { at: 3 },
            commit: async () => {
              throw new Error("crash before commit");
            },
          },
        ]),
        { runId: "live-4" },
      ),
    ).rejects.toThrow(/crash before commit/);
    expect(await wh.query(`SELECT count(*) AS n FROM "raw"."api__${suffix}"`)).toEqual([{ n: "4" }]);
    expect(await readCursor(wh, "api", suffix)).toEqual({ at: 2 });
  });

  it("builds models as views, swapped tables and incremental merges (run after the merge test)", async () => {
    const model = (name: string, materialized: ModelDefinition["materialized"]): ModelDefinition => ({
      name,
      materialized,
      uniqueKey: ["id"],
      description: `live test ${materialized}`,
      columns: { name: { description: "the name" } },
      sql: () => "",
    });
    const select = `SELECT "id", "name" FROM "staging"."api__${suffix}"`;
    expect(await materialize(wh, model(`v_${suffix}`, "view"), { full: select })).toMatchObject({
      rows: 2,
      mode: "view",
    });
    expect(await materialize(wh, model(`t_${suffix}`, "table"), { full: select })).toMatchObject({
      rows: 2,
      mode: "table",
    });
    // Built twice: a swap keeps one copy of each row.
    expect(await materialize(wh, model(`t_${suffix}`, "table"), { full: select })).toMatchObject({ rows: 2 });
    const inc = model(`i_${suffix}`, "incremental");
    expect(await materialize(wh, inc, { full: select, incremental: select })).toMatchObject({
      mode: "incremental-full",
      rows: 2,
    });
    // Nothing changed: the merge touches nothing; one changed and one new row: two touched.
    expect(await materialize(wh, inc, { full: select, incremental: select })).toMatchObject({
      mode: "incremental-merge",
      touched: 0,
    });
    const changed = `SELECT '0001' AS "id", 'Acme v3' AS "name" UNION ALL SELECT '0009', 'New'`;
    expect(await materialize(wh, inc, { full: select, incremental: changed })).toMatchObject({
      mode: "incremental-merge",
      touched: 2,
      rows: 3,
    });
  });
});
