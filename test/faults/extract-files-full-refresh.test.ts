import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateWorld } from "../../sandbox/world/generate.js";
import { faultEnv, killRepeatedly, runTrueup, runningRuns, schemaChecksums } from "../helpers/faults.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * `trueup extract erp_files --full-refresh` SIGKILLed at 20 seeded random points, against a
 * warehouse that already holds the files. After every kill, staging and the file ledger are
 * exactly what an uninterrupted load makes (a refresh is swapped in whole or not at all); a view
 * on staging keeps working; the final uninterrupted refresh equals the reference value for value,
 * and no run is left `running`. Before the fix, a kill after the refresh dropped staging left
 * the ledger saying every file was loaded: later runs skipped them and the rows were gone.
 */
const KILLS = 20;

describe("extract --full-refresh of a file source, SIGKILLed 20 times", () => {
  let worldDir: string;
  let exportDir: string;
  let ref: TestDatabase;
  let t: TestDatabase;
  const envFor = (db: TestDatabase) => faultEnv(db.url, { ERP_EXPORT_DIR: exportDir });
  const ledger = (db: TestDatabase) =>
    db.warehouse.query<{ stream: string; files: string; rows: string }>(
      `SELECT stream, count(*) AS files, sum(rows) AS rows FROM trueup.file_loads GROUP BY stream ORDER BY stream`,
    );
  const staging = (db: TestDatabase) => schemaChecksums(db.warehouse, ["staging"], { skip: /__refresh"?$/ });

  beforeAll(async () => {
    worldDir = mkdtempSync(path.join(tmpdir(), "trueup-faults-files-"));
    await generateWorld({ seed: 18, scale: 0.2, out: worldDir });
    // One month of exports keeps each run short, so 20 kills land all over it quickly.
    exportDir = path.join(worldDir, "subset");
    const all = readdirSync(path.join(worldDir, "erp_exports")).sort();
    const pick = [
      ...all.filter((f) => f.startsWith("customers_")),
      ...all.filter((f) => f.startsWith("invoices_")).slice(-1),
      ...all.filter((f) => f.startsWith("payments_")).slice(-1),
    ];
    for (const f of pick) cpSync(path.join(worldDir, "erp_exports", f), path.join(exportDir, f));
    [ref, t] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await ref?.drop();
    await t?.drop();
    rmSync(worldDir, { recursive: true, force: true });
  });

  it("leaves staging and the ledger whole after every kill, and equal to an uninterrupted load at the end", async () => {
    const first = await runTrueup(["extract", "erp_files"], envFor(ref));
    expect(first.code, first.stderr).toBe(0);
    const expected = await staging(ref);
    const expectedLedger = await ledger(ref);
    expect(Object.keys(expected)).toEqual([
      "staging.erp_files__customers",
      "staging.erp_files__invoices",
      "staging.erp_files__payments",
    ]);
    expect(expectedLedger.map((l) => [l.stream, l.files])).toEqual([
      ["customers", "1"],
      ["invoices", "1"],
      ["payments", "1"],
    ]);

    const env = envFor(t);
    const started = Date.now();
    const load = await runTrueup(["extract", "erp_files"], env);
    expect(load.code, load.stderr).toBe(0);
    const full = Date.now() - started;
    expect(await staging(t)).toEqual(expected);
    // A reader's view on staging: it must survive every refresh (Postgres views bind to a table).
    await t.warehouse.query(
      `CREATE VIEW public.open_invoices AS SELECT invoice_no FROM staging.erp_files__invoices WHERE status = 'open'`,
    );
    const openBefore = await t.warehouse.query(`SELECT count(*) AS n FROM public.open_invoices`);

    const plan = { seed: 20261201, from: 1_200, duration: Math.max(2_500, Math.round(full * 1.05)) };
    await killRepeatedly(["extract", "erp_files", "--full-refresh"], env, plan, KILLS, async (at) => {
      expect(await staging(t), at).toEqual(expected);
      expect(await ledger(t), at).toEqual(expectedLedger);
    });

    const last = await runTrueup(["extract", "erp_files", "--full-refresh"], env);
    expect(last.code, last.stderr).toBe(0);
    expect(await staging(t)).toEqual(expected);
    expect(await ledger(t)).toEqual(expectedLedger);
    expect(await t.warehouse.query(`SELECT count(*) AS n FROM public.open_invoices`)).toEqual(openBefore);
    // A later incremental run finds nothing new and loses nothing.
    const after = await runTrueup(["extract", "erp_files"], env);
    expect(after.code, after.stderr).toBe(0);
    expect(await staging(t)).toEqual(expected);
    // Nothing left running: every killed run that had started was marked abandoned.
    expect(await runningRuns(t.warehouse)).toEqual([]);
    const [abandoned] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM trueup.runs WHERE status = 'abandoned' AND error LIKE '%last seen%'`,
    );
    expect(Number(abandoned!.n)).toBeGreaterThan(0);
    expect(await t.warehouse.query(`SELECT 1 FROM trueup.file_loads_pending`)).toEqual([]);
  }, 240_000);
});
