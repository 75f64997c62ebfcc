import { parseConfig } from "../config/load.js";
import { createLogger } from "../core/log.js";
import { runFamily } from "../reconcile/engine.js";
import { invoiceRules } from "../reconcile/rules/invoices.js";
import { migrate } from "../warehouse/migrations/migrate.js";
import { PostgresWarehouse } from "../warehouse/postgres/warehouse.js";

/**
 * Figure 4: the invoice rule family over `pairs` matched invoice pairs (≈1 % of them disagreeing
 * in amount, status or currency, ≈0.5 % one-sided), beside a plain full outer join that compares
 * the same two sides. The rules also write their detail table and the discrepancy lifecycle;
 * the join only counts. Pairing (the canonical.invoice model) is not in either timing.
 */
export async function benchRecon(url: string, pairs: number): Promise<{ rules_s: number; join_s: number }> {
  const wh = await PostgresWarehouse.connect({ url });
  try {
    await migrate(wh);
    await wh.query(`CREATE SCHEMA IF NOT EXISTS canonical`);
    await wh.query(`DROP TABLE IF EXISTS canonical.invoice, bench_billing, bench_erp`);
    await wh.query(`
      CREATE TABLE canonical.invoice AS
      SELECT 'stripe:in_' || g AS invoice_key, 'cus_' || (g % 50000) AS customer_id, CASE WHEN g % 2 = 0 THEN 'us' ELSE 'eu' END AS entity,
             CASE WHEN g % 400 = 7 THEN NULL ELSE 'stripe' END AS billing_system,
             CASE WHEN g % 400 = 7 THEN NULL ELSE 'in_' || g END AS billing_invoice_id, 'N-' || g AS billing_invoice_number,
             CASE WHEN g % 2 = 0 THEN 'netsuite' ELSE 'erp_file' END AS erp_expected_system,
             CASE WHEN g % 300 = 5 THEN 'open' ELSE 'paid' END AS billing_status, 'USD' AS billing_currency,
             (100 + g % 997)::numeric AS billing_amount, timestamptz '2026-01-01' + (g % 300) * interval '1 day' AS billing_finalized_at,
             timestamptz '2026-01-02' + (g % 300) * interval '1 day' AS billing_paid_at,
             'netsuite' AS erp_system, CASE WHEN g % 400 = 9 THEN NULL ELSE g::text END AS erp_invoice_id, 'INV' || g AS erp_number,
             'paid' AS erp_status, CASE WHEN g % 500 = 3 THEN 'EUR' ELSE 'USD' END AS erp_currency,
             (100 + g % 997 + CASE WHEN g % 250 = 1 THEN 5 ELSE 0 END)::numeric AS erp_amount,
             date '2026-01-01' + (g % 300) AS erp_date, 'external_id' AS match_method, (100 + g % 997)::numeric AS amount_reporting
        FROM generate_series(1, ${pairs}) g`);
    await wh.query(
      `CREATE TABLE bench_billing AS SELECT billing_invoice_id AS id, billing_amount AS amount, billing_currency AS currency, billing_status AS status FROM canonical.invoice WHERE billing_invoice_id IS NOT NULL`,
    );
    await wh.query(
      `CREATE TABLE bench_erp AS SELECT erp_invoice_id AS id, 'in_' || erp_invoice_id AS external_id, erp_amount AS amount, erp_currency AS currency, erp_status AS status FROM canonical.invoice WHERE erp_invoice_id IS NOT NULL`,
    );
    await wh.query(`ANALYZE canonical.invoice; ANALYZE bench_billing; ANALYZE bench_erp`);
    const config = parseConfig({ models: { builtin: false } });
    const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
    let t = performance.now();
    await runFamily(wh, invoiceRules, {
      config,
      asOf: "2026-11-22T00:00:00Z",
      runId: `bench-${Date.now()}`,
      log,
    });
    const rules_s = (performance.now() - t) / 1000;
    t = performance.now();
    await wh.query(`
      SELECT count(*) FROM bench_billing b FULL OUTER JOIN bench_erp e ON e.external_id = b.id
       WHERE b.id IS NULL OR e.id IS NULL OR abs(b.amount - e.amount) > 0.01 OR b.currency <> e.currency OR b.status <> e.status`);
    const join_s = (performance.now() - t) / 1000;
    return { rules_s, join_s };
  } finally {
    await wh.close();
  }
}
