import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { buildModels } from "../../models/build.js";
import { loadModelDefinitions, modelDag } from "../../models/project.js";
import { runFamily } from "../../reconcile/engine.js";
import { invoiceRules } from "../../reconcile/rules/invoices.js";
import { paymentRules } from "../../reconcile/rules/payments.js";
import { migrate } from "../../warehouse/migrations/migrate.js";
import { projectWith, removeProjects } from "../helpers/project-files.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * An internal billing system in place of Stripe, as docs/conformed.md describes: `roles.billing`
 * names it and one SQL mapping model per billing relation maps its staging tables. Its
 * customers join identity resolution, its invoices and payments pair with NetSuite's postings,
 * and the invoice and payment rules raise discrepancies keyed and named by it; nothing of
 * trueup's names it.
 */
let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const AS_OF = "2026-06-01T00:00:00Z";

const map = (sql: string) => `${sql.trim()}\n`;
const FILES = {
  "models/conformed/billing_customer__ledger.sql": map(`
SELECT CAST('ledger' AS text) AS system, id AS customer_id, name, email, crm AS crm_account_id, entity,
       CAST(created AS timestamptz) AS created_at
  FROM {{ source('ledger', 'accounts') }}`),
  "models/conformed/billing_subscription__ledger.sql": map(`
SELECT CAST('ledger' AS text) AS system, CAST(NULL AS text) AS subscription_id, CAST(NULL AS text) AS customer_id,
       CAST(NULL AS text) AS status, CAST(NULL AS text) AS opportunity_id, CAST(NULL AS text) AS currency,
       CAST(NULL AS date) AS start_date, CAST(NULL AS timestamptz) AS canceled_at, CAST(NULL AS numeric) AS annual_amount
 WHERE false`),
  "models/conformed/billing_invoice__ledger.sql": map(`
SELECT CAST('ledger' AS text) AS system, id AS invoice_id, no AS number, account AS customer_id,
       CAST(NULL AS text) AS subscription_id, state AS status, upper(ccy) AS currency, CAST(total AS numeric) AS amount,
       CAST(issued AS timestamptz) AS finalized_at, CAST(NULL AS timestamptz) AS paid_at,
       CAST(issued AS timestamptz) + interval '30 days' AS due_at, CAST(issued AS timestamptz) AS created_at
  FROM {{ source('ledger', 'invoices') }}`),
  "models/conformed/billing_payment__ledger.sql": map(`
SELECT CAST('ledger' AS text) AS system, id AS payment_id, account AS customer_id, invoice AS invoice_id,
       'succeeded' AS status, upper(ccy) AS currency, CAST(amount AS numeric) AS amount, CAST(0 AS numeric) AS refunded,
       CAST(at AS timestamptz) AS paid_at
  FROM {{ source('ledger', 'payments') }}`),
  "models/conformed/billing_refund__ledger.sql": map(`
SELECT CAST('ledger' AS text) AS system, CAST(NULL AS text) AS refund_id, CAST(NULL AS text) AS payment_id,
       CAST(NULL AS text) AS customer_id, CAST(NULL AS text) AS number, CAST(NULL AS text) AS status,
       CAST(NULL AS text) AS currency, CAST(NULL AS numeric) AS amount, CAST(NULL AS timestamptz) AS created_at
 WHERE false`),
  "models/conformed/billing_credit_note__ledger.sql": map(`
SELECT CAST('ledger' AS text) AS system, CAST(NULL AS text) AS credit_note_id, CAST(NULL AS text) AS invoice_id,
       CAST(NULL AS text) AS customer_id, CAST(NULL AS text) AS number, CAST(NULL AS text) AS status,
       CAST(NULL AS text) AS currency, CAST(NULL AS numeric) AS amount, CAST(NULL AS timestamptz) AS created_at
 WHERE false`),
};

const config = parseConfig({ models: { paths: ["models"] }, roles: { billing: ["ledger"] } });

beforeAll(async () => {
  t = await createTestDatabase();
  await migrate(t.warehouse);
  const q = (sql: string) => t.warehouse.query(sql);
  await q(`CREATE SCHEMA IF NOT EXISTS staging`);
  // The billing system's own tables, as a REST source named ledger would leave them.
  await q(`CREATE TABLE staging.ledger__accounts AS
           SELECT * FROM (VALUES ('L1', 'Initech', 'ap@initech.example', NULL, 'us', '2025-01-02T00:00:00Z'))
             v(id, name, email, crm, entity, created)`);
  await q(`CREATE TABLE staging.ledger__invoices AS
           SELECT * FROM (VALUES
             ('LI-1', 'INV-1001', 'L1', 'open', 'usd', '1200.00', '2026-03-01T00:00:00Z'),
             ('LI-2', 'INV-1002', 'L1', 'open', 'usd', '800.00', '2026-04-01T00:00:00Z')
           ) v(id, no, account, state, ccy, total, issued)`);
  await q(`CREATE TABLE staging.ledger__payments AS
           SELECT * FROM (VALUES ('LP-1', 'L1', 'LI-1', 'usd', '1200.00', '2026-03-10T00:00:00Z'))
             v(id, account, invoice, ccy, amount, at)`);
  // NetSuite holds the customer (same domain), the first invoice (its externalid is the billing
  // id) and a payment of a different amount; the second invoice is missing.
  const ns = (o: Record<string, unknown>) => `'${JSON.stringify(o)}'::jsonb`;
  await q(`CREATE TABLE staging.netsuite__customer AS
           SELECT '77' AS id, ${ns({ id: "77", companyname: "Initech Inc", email: "billing@initech.example" })} AS _trueup_payload,
                  false AS _trueup_deleted`);
  await q(`CREATE TABLE staging.netsuite__transaction AS
           SELECT * FROM (VALUES
             ('9001', 1200.00::numeric, date '2026-03-01', date '2026-03-31',
              ${ns({ type: "CustInvc", entity: "77", tranid: "NS-1", status: "A", currency: "USD", externalid: "LI-1" })}),
             ('9002', 1150.00::numeric, date '2026-03-10', NULL::date,
              ${ns({ type: "CustPymt", entity: "77", currency: "USD", externalid: "LP-1" })})
           ) v(id, foreigntotal, trandate, duedate, _trueup_payload)`);
  await q(`ALTER TABLE staging.netsuite__transaction ADD COLUMN _trueup_deleted boolean DEFAULT false`);
});
afterAll(async () => {
  await t?.drop();
  removeProjects();
});

describe("the conformed billing role", () => {
  it("a billing system of the user's own, mapped by SQL files, pairs with the ERP and raises discrepancies in its name", async () => {
    const dir = projectWith(FILES, "trueup-billing-");
    const models = await loadModelDefinitions(config, dir);
    const dag = modelDag(models, { dialect: "postgres", config, asOf: AS_OF });
    expect(dag.get("conformed.billing_invoice").upstream).toEqual(["conformed.billing_invoice__ledger"]);
    const out = await buildModels({ warehouse: t.warehouse, config, log, models, asOf: AS_OF });
    expect(out.filter((o) => o.status !== "succeeded").map((o) => [o.model, o.error])).toEqual([]);

    const xref = await t.warehouse.query<{ system: string; customer_id: string }>(
      `SELECT system, customer_id FROM canonical.customer_xref ORDER BY system`,
    );
    expect(xref.map((x) => x.system)).toEqual(["ledger", "netsuite"]);
    expect(xref[0]!.customer_id).toBe(xref[1]!.customer_id);
    const [customer] = await t.warehouse.query(
      `SELECT billing_system, billing_customer_id, stripe_customer_id, erp_system, erp_customer_id, entity FROM canonical.customer`,
    );
    expect(customer).toEqual({
      billing_system: "ledger",
      billing_customer_id: "L1",
      stripe_customer_id: null,
      erp_system: "netsuite",
      erp_customer_id: "77",
      entity: "us",
    });
    const invoices = await t.warehouse.query(
      `SELECT invoice_key, billing_system, billing_invoice_id, stripe_invoice_id, erp_invoice_id, match_method, erp_expected_system
         FROM canonical.invoice ORDER BY invoice_key`,
    );
    expect(invoices).toEqual([
      {
        invoice_key: "ledger:LI-1",
        billing_system: "ledger",
        billing_invoice_id: "LI-1",
        stripe_invoice_id: null,
        erp_invoice_id: "9001",
        match_method: "external_id",
        erp_expected_system: "netsuite",
      },
      {
        invoice_key: "ledger:LI-2",
        billing_system: "ledger",
        billing_invoice_id: "LI-2",
        stripe_invoice_id: null,
        erp_invoice_id: null,
        match_method: null,
        erp_expected_system: "netsuite",
      },
    ]);

    for (const family of [invoiceRules, paymentRules])
      await runFamily(t.warehouse, family, { config, asOf: AS_OF, runId: `r-${family.name}`, log });
    const found = await t.warehouse.query(
      `SELECT category, key, left_system, right_system, delta::text AS delta
         FROM recon.discrepancy WHERE status = 'open' ORDER BY category, key`,
    );
    expect(found).toEqual([
      {
        category: "invoice_missing_in_erp",
        key: "ledger:LI-2",
        left_system: "ledger",
        right_system: "netsuite",
        delta: null,
      },
      {
        category: "payment_amount_mismatch",
        key: "ledger:LP-1",
        left_system: "ledger",
        right_system: "netsuite",
        delta: "50.00",
      },
    ]);
  });

  it("a billing system without its mapping models is an error naming the file to add", async () => {
    const dir = projectWith({ "models/.keep": "" }, "trueup-billing-");
    const models = await loadModelDefinitions(config, dir);
    expect(() => modelDag(models, { dialect: "postgres", config, asOf: AS_OF })).toThrow(
      /roles\.billing names ledger, but no model builds conformed\.billing_\w+__ledger: add conformed\/billing_\w+__ledger\.sql/,
    );
  });
});
