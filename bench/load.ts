import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { parseConfig } from "../config/load.js";
import { createLogger } from "../core/log.js";
import { runExtract } from "../extract/run-extract.js";
import { migrate } from "../warehouse/migrations/migrate.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";
import { writeErpInvoicesCsv } from "./erp-csv.js";

/**
 * Figure 1 of the bench: a 1,000,000-row legacy-ERP CSV loaded through trueup's `erp_files`
 * source (validation, raw + staging, rejects, cursor) beside `psql \copy` of the same file into
 * the same server, and `pgloader` when Debian's package is installed. Each tool gets a fresh database.
 */
const INVOICE_COLUMNS = [
  "invoice_no",
  "customer_no",
  "invoice_date",
  "due_date",
  "currency",
  "net_amount",
  "tax_amount",
  "gross_amount",
  "status",
  "billing_ref",
];

export async function benchLoad(adminUrl: string, rows: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-bench-load-"));
  mkdirSync(path.join(dir, "exports"));
  const file = path.join(dir, "exports", "invoices_bench.csv");
  await writeErpInvoicesCsv(file, rows);
  const out: Record<string, number> = {};
  const fresh = async (name: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  try {
    // trueup
    const url = await fresh("trueup_bench_load");
    const wh = await PostgresWarehouse.connect({ url });
    await migrate(wh);
    const config = parseConfig({
      sources: {
        erp_files: {
          dir: path.join(dir, "exports"),
          files: [
            {
              pattern: "invoices_*.csv",
              stream: "invoices",
              primaryKey: ["invoice_no"],
              columns: {
                invoice_date: "date",
                due_date: "date",
                net_amount: "numeric",
                tax_amount: "numeric",
                gross_amount: "numeric",
              },
            },
          ],
        },
      },
      models: { builtin: false },
    });
    const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
    let t = performance.now();
    const cpu = process.cpuUsage();
    const [o] = await runExtract({
      warehouse: wh,
      config,
      credentials: {},
      runId: "bench",
      log,
      selection: ["erp_files"],
    });
    const trueupSeconds = (performance.now() - t) / 1000;
    // CPU of trueup's process (all its threads): steadier than wall time on a shared machine.
    const used = process.cpuUsage(cpu);
    out.trueup_cpu_us_per_row = (used.user + used.system) / rows;
    if (o?.status !== "succeeded" || o.rows !== rows)
      throw new Error(`trueup load: ${o?.status} ${o?.rows} ${o?.error}`);
    await wh.close();
    out.trueup_rows_per_s = rows / trueupSeconds;

    // psql \copy: the physical limit for one client on this server.
    const purl = await fresh("trueup_bench_copy");
    execFileSync("psql", [
      purl,
      "-qc",
      "CREATE TABLE invoices (invoice_no text, customer_no text, invoice_date text, due_date text, currency text, net_amount text, tax_amount text, gross_amount text, status text, billing_ref text)",
    ]);
    t = performance.now();
    execFileSync("psql", [
      purl,
      "-qc",
      `\\copy invoices FROM '${file}' WITH (FORMAT csv, HEADER true, DELIMITER ';')`,
    ]);
    const plainSeconds = (performance.now() - t) / 1000;
    out.psql_copy_rows_per_s = rows / plainSeconds;
    out.trueup_vs_copy = out.trueup_rows_per_s / out.psql_copy_rows_per_s;

    // The floor for any loader that keeps trueup's contract (raw history + staging keyed by the
    // primary key): the same file copied twice by psql, once into a plain table and once into
    // one with the key's index. No validation, no payload json: a ceiling, not a peer.
    execFileSync("psql", [
      purl,
      "-qc",
      "CREATE TABLE invoices_keyed (invoice_no text PRIMARY KEY, customer_no text, invoice_date text, due_date text, currency text, net_amount text, tax_amount text, gross_amount text, status text, billing_ref text)",
    ]);
    t = performance.now();
    execFileSync("psql", [
      purl,
      "-qc",
      `\\copy invoices_keyed FROM '${file}' WITH (FORMAT csv, HEADER true, DELIMITER ';')`,
    ]);
    out.psql_two_copies_rows_per_s = rows / (plainSeconds + (performance.now() - t) / 1000);
    out.two_copies_vs_copy = out.psql_two_copies_rows_per_s / out.psql_copy_rows_per_s;
    out.trueup_vs_two_copies = out.trueup_rows_per_s / out.psql_two_copies_rows_per_s;

    // The contract's work done by Postgres itself, with no client in the way: the file copied
    // once into a text table (the plain copy above), then raw (a jsonb payload per record) and
    // staging (typed columns, decimal comma and day-first dates converted, the payload, the
    // primary key) filled by INSERT … SELECT. No validation and no rejects: what any loader
    // keeping raw + staging must at least make this server do.
    const payload = `jsonb_build_object(${INVOICE_COLUMNS.map((c) => `'${c}', ${c}`).join(", ")})`;
    const decimal = (c: string) => `replace(replace(${c}, '.', ''), ',', '.')::numeric`;
    t = performance.now();
    execFileSync("psql", [
      purl,
      "-v",
      "ON_ERROR_STOP=1",
      "-q",
      "-c",
      `CREATE TABLE raw_invoices (_trueup_run_id text, _trueup_loaded_at timestamptz, _trueup_source text, _trueup_position text, _trueup_deleted boolean, _trueup_payload jsonb)`,
      "-c",
      `INSERT INTO raw_invoices SELECT 'bench', now(), 'erp_files', 'invoices_bench.csv:' || (row_number() OVER () + 1), false, ${payload} FROM invoices`,
      "-c",
      `CREATE TABLE staging_invoices (invoice_no text PRIMARY KEY, customer_no text, invoice_date date, due_date date, currency text, net_amount numeric, tax_amount numeric, gross_amount numeric, status text, billing_ref text, _trueup_payload jsonb, _trueup_deleted boolean, _trueup_run_id text, _trueup_loaded_at timestamptz)`,
      "-c",
      `INSERT INTO staging_invoices SELECT invoice_no, customer_no, to_date(invoice_date, 'DD.MM.YYYY'), to_date(due_date, 'DD.MM.YYYY'), currency, ${decimal("net_amount")}, ${decimal("tax_amount")}, ${decimal("gross_amount")}, status, billing_ref, ${payload}, false, 'bench', now() FROM invoices`,
    ]);
    out.postgres_contract_rows_per_s = rows / (plainSeconds + (performance.now() - t) / 1000);
    out.postgres_contract_vs_copy = out.postgres_contract_rows_per_s / out.psql_copy_rows_per_s;
    out.trueup_vs_postgres_contract = out.trueup_rows_per_s / out.postgres_contract_rows_per_s;

    // An upper bound on the ratio any loader keeping the contract can reach: staging alone (typed
    // columns, the jsonb payload, the primary key), filled by psql from a file already in staging's
    // shape, so no conversion, no raw, no validation: only the server's own work of storing what
    // staging must hold. Writing the file is not timed.
    const stagingShaped = path.join(dir, "staging-shaped.csv");
    execFileSync("psql", [
      purl,
      "-qc",
      `\\copy (SELECT * FROM staging_invoices) TO '${stagingShaped}' WITH (FORMAT csv)`,
      "-c",
      "CREATE TABLE staging_floor (LIKE staging_invoices INCLUDING ALL)",
    ]);
    t = performance.now();
    execFileSync("psql", [purl, "-qc", `\\copy staging_floor FROM '${stagingShaped}' WITH (FORMAT csv)`]);
    out.staging_floor_vs_copy = plainSeconds / ((performance.now() - t) / 1000);

    // pgloader, a peer, when Debian's package is installed.
    const hasPgloader = (() => {
      try {
        execFileSync("pgloader", ["--version"], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    })();
    if (hasPgloader) {
      const gurl = await fresh("trueup_bench_pgloader");
      execFileSync("psql", [
        gurl,
        "-qc",
        "CREATE TABLE invoices (invoice_no text, customer_no text, invoice_date text, due_date text, currency text, net_amount text, tax_amount text, gross_amount text, status text, billing_ref text)",
      ]);
      const load = path.join(dir, "invoices.load");
      writeFileSync(
        load,
        `LOAD CSV FROM '${file}' WITH ENCODING utf-8 INTO ${gurl}?tablename=invoices
           WITH skip header = 1, fields terminated by ';', fields not enclosed
           SET work_mem to '64MB';\n`,
      );
      t = performance.now();
      execFileSync("pgloader", ["--quiet", load], { stdio: "ignore" });
      out.pgloader_rows_per_s = rows / ((performance.now() - t) / 1000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 200_000);
  console.log(
    await benchLoad(process.env.BENCH_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", rows),
  );
}
