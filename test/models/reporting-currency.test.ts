import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { buildModels } from "../../models/build.js";
import { canonicalModels } from "../../models/canonical/index.js";
import { collectReport, renderReport } from "../../orchestration/report.js";
import { reconcile } from "../../reconcile/run.js";
import { ensureReconSchema } from "../../reconcile/schema.js";
import { readWorldManifest } from "../../sandbox/world/read.js";
import { extractAll, sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let w: SandboxWorld;
let t: TestDatabase;
let config: Config;
/** usd_per_unit by currency, then date (ISO), read from the world's file by this test alone. */
const rates = new Map<string, Map<string, number>>();

beforeAll(async () => {
  w = await sandboxWorld(29, 0.05);
  t = await createTestDatabase();
  config = parseConfig({
    ...(JSON.parse(JSON.stringify(w.config)) as Record<string, unknown>),
    fx: { ...w.config.fx, reportingCurrency: "EUR" },
  });
  const [header, ...lines] = readFileSync(path.join(w.dir, "fx_rates.csv"), "utf8").trim().split("\n");
  expect(header).toBe("date,currency,usd_per_unit");
  for (const line of lines) {
    const [date, currency, usd] = line.split(",");
    if (!rates.has(currency!)) rates.set(currency!, new Map());
    rates.get(currency!)!.set(date!, Number(usd));
  }
  const asOf = (await readWorldManifest(w.dir)).as_of;
  await extractAll(t.warehouse, w, "ccy-1");
  const built = await buildModels({ warehouse: t.warehouse, config, log, models: canonicalModels, asOf });
  expect(built.filter((b) => b.status !== "succeeded")).toEqual([]);
  await reconcile({ warehouse: t.warehouse, config, asOf, runId: "ccy-1", log });
}, 180_000);
afterAll(async () => {
  await t?.drop();
  await w?.close();
});

/** USD per unit on `date`, else on the latest earlier date the file has (as a rates table is read). */
function usd(currency: string, date: string): number {
  if (currency === "USD") return 1;
  const byDate = rates.get(currency);
  if (!byDate) throw new Error(`no rate for ${currency} in fx_rates.csv`);
  const exact = byDate.get(date);
  if (exact !== undefined) return exact;
  const earlier = [...byDate.keys()].filter((d) => d <= date).sort();
  if (!earlier.length) throw new Error(`no rate for ${currency} on or before ${date}`);
  return byDate.get(earlier.at(-1)!)!;
}

const inEur = (amount: number, currency: string, date: string) =>
  currency === "EUR" ? amount : (amount * usd(currency, date)) / usd("EUR", date);

describe("fx.reportingCurrency EUR", () => {
  it("converts invoice, payment and contract amounts at the cross rate of their date, in *_reporting columns with reporting_currency", async () => {
    const checks: { table: string; sql: string }[] = [
      {
        table: "invoice",
        sql: `SELECT invoice_key AS id, currency, CAST(invoice_date AS text) AS day, amount, amount_reporting AS converted, reporting_currency
                FROM canonical.invoice WHERE amount IS NOT NULL`,
      },
      {
        table: "payment",
        sql: `SELECT payment_key AS id, currency, CAST(payment_date AS text) AS day, amount, amount_reporting AS converted, reporting_currency
                FROM canonical.payment WHERE amount IS NOT NULL`,
      },
      {
        table: "contract",
        sql: `SELECT contract_id AS id, currency, CAST(start_date AS text) AS day, acv AS amount, acv_reporting AS converted, reporting_currency
                FROM canonical.contract WHERE acv IS NOT NULL AND start_date IS NOT NULL`,
      },
    ];
    const currencies = new Set<string>();
    for (const c of checks) {
      const rows = await t.warehouse.query<{
        id: string;
        currency: string;
        day: string;
        amount: string;
        converted: string;
        reporting_currency: string;
      }>(c.sql);
      expect(rows.length, c.table).toBeGreaterThan(5);
      for (const r of rows) {
        currencies.add(r.currency);
        expect(r.reporting_currency, `${c.table} ${r.id}`).toBe("EUR");
        const expected = inEur(Number(r.amount), r.currency, r.day);
        expect(
          Math.abs(Number(r.converted) - expected),
          `${c.table} ${r.id}: ${r.amount} ${r.currency} on ${r.day} = ${expected} EUR, got ${r.converted}`,
        ).toBeLessThanOrEqual(0.0051);
      }
    }
    // The cross rate is exercised: USD and a third currency are converted, EUR kept as it is.
    expect(currencies).toContain("USD");
    expect(currencies).toContain("EUR");
    expect([...currencies].filter((c) => c !== "USD" && c !== "EUR").length).toBeGreaterThan(0);
  });

  it("customer_health and recon carry the converted amounts; the report labels them EUR", async () => {
    const [health] = await t.warehouse.query<{ n: string; arr: string; expected: string; ccy: string }>(
      `SELECT count(*) AS n, sum(h.arr_reporting) AS arr, min(h.reporting_currency) AS ccy,
              (SELECT round(sum(coalesce(subscription_annual_reporting, acv_reporting)), 2) FROM canonical.contract WHERE is_active) AS expected
         FROM canonical.customer_health h`,
    );
    expect(health!.ccy).toBe("EUR");
    expect(Math.abs(Number(health!.arr) - Number(health!.expected))).toBeLessThan(0.01 * Number(health!.n));
    const missing = await t.warehouse.query<{
      key: string;
      amount_reporting: string;
      expected: string;
      ccy: string;
    }>(
      `SELECT d.key, d.amount_reporting, i.amount_reporting AS expected, d.reporting_currency AS ccy
         FROM recon.discrepancy d JOIN canonical.invoice i ON i.invoice_key = d.key
        WHERE d.category = 'invoice_missing_in_erp' AND d.status = 'open'`,
    );
    expect(missing.length).toBeGreaterThan(0);
    for (const m of missing) {
      expect(m.ccy).toBe("EUR");
      expect(Number(m.amount_reporting)).toBe(Number(m.expected));
    }
    const [summary] = await t.warehouse.query<{ ccy: string }>(
      `SELECT min(reporting_currency) AS ccy FROM recon.summary`,
    );
    expect(summary!.ccy).toBe("EUR");
    const html = renderReport(await collectReport(t.warehouse, config, "ccy-1"));
    expect(html).toContain("amount (EUR)");
    expect(html).toContain("Amount at stake by category (EUR)");
    expect(html).not.toMatch(/\(USD\)/);
    expect(html).toMatch(/€[\d,]+/);
  });

  it("recon tables from before the rename keep their amounts, renamed and marked USD", async () => {
    const old = await createTestDatabase();
    try {
      await old.warehouse.query(`CREATE SCHEMA recon`);
      await old.warehouse.query(`CREATE TABLE recon.discrepancy (
        category text NOT NULL, key text NOT NULL, family text NOT NULL, customer_id text, entity text,
        left_system text, left_value text, right_system text, right_value text, delta numeric, currency text,
        amount_usd numeric, detail jsonb, status text NOT NULL, first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL, resolved_at timestamptz, reopened_count integer NOT NULL DEFAULT 0,
        owner_team text NOT NULL, last_run_id text, PRIMARY KEY (category, key))`);
      await old.warehouse.query(`CREATE TABLE recon.history (day date NOT NULL, category text NOT NULL,
        entity text NOT NULL, currency text NOT NULL, open_count integer NOT NULL, amount_usd numeric NOT NULL,
        PRIMARY KEY (day, category, entity, currency))`);
      await old.warehouse.query(
        `CREATE VIEW recon.open_discrepancies AS SELECT d.* FROM recon.discrepancy d`,
      );
      await old.warehouse
        .query(`INSERT INTO recon.discrepancy (category, key, family, amount_usd, status, first_seen_at, last_seen_at, owner_team)
        VALUES ('invoice_missing_in_erp', 'stripe:in_1', 'invoices', 12.5, 'open', now(), now(), 'accounting')`);
      await old.warehouse.query(
        `INSERT INTO recon.history VALUES ('2026-01-01', 'invoice_missing_in_erp', 'us', 'USD', 1, 12.5)`,
      );
      await old.warehouse.transaction((tx) => ensureReconSchema(tx));
      expect(
        await old.warehouse.query(`SELECT key, amount_reporting, reporting_currency FROM recon.discrepancy`),
      ).toEqual([{ key: "stripe:in_1", amount_reporting: "12.5", reporting_currency: "USD" }]);
      expect(
        await old.warehouse.query(`SELECT amount_reporting, reporting_currency FROM recon.history`),
      ).toEqual([{ amount_reporting: "12.5", reporting_currency: "USD" }]);
      expect(
        await old.warehouse.query(
          `SELECT open_count, amount_reporting, reporting_currency FROM recon.summary`,
        ),
      ).toEqual([{ open_count: "1", amount_reporting: "12.5", reporting_currency: "USD" }]);
      // Idempotent: the next run finds nothing to rename.
      await old.warehouse.transaction((tx) => ensureReconSchema(tx));
    } finally {
      await old.drop();
    }
  });
});
