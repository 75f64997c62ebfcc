import { defineModel } from "../define.js";
import { erpLedger } from "./erp-match.js";
import {
  CUSTOMER_ENTITY,
  XREF_MAPPING,
  fxJoin,
  mutualBestRounds,
  reportingCurrencyColumn,
  reportingRate,
} from "./sql.js";

/**
 * Succeeded billing payments (conformed.billing_payment: Stripe charges) beside ERP customer
 * payments (conformed.erp_payment: NetSuite CustPymt, legacy ERP payments), matched by external id
 * (the payment id in NetSuite externalid / ERP billing_ref), else by customer + currency + amount
 * with the nearest date inside the window.
 */
export const payment = defineModel({
  name: "payment",
  materialized: "table",
  uniqueKey: ["payment_key"],
  tags: ["finance"],
  description:
    "Billing charges and ERP payments side by side, one row per charge and per unmatched ERP payment.",
  columns: {
    payment_key: {
      description:
        "<billing system>:<id> (stripe:ch_…), else <erp system>:<id> (netsuite:<id>, erp_file:<payment_no>).",
      tests: ["not_null"],
    },
    customer_id: { description: "Canonical customer." },
    billing_system: { description: "The billing system of the payment (stripe, …; see roles.billing)." },
    billing_payment_id: { description: "The billing payment id (a Stripe charge)." },
    billing_invoice_id: { description: "The billing invoice it paid, if known." },
    stripe_charge_id: { description: "billing_payment_id when the billing system is Stripe, else NULL." },
    stripe_invoice_id: { description: "billing_invoice_id when the billing system is Stripe." },
    billing_amount: { description: "Charge amount in major units." },
    billing_refunded: { description: "Amount refunded on the charge, major units." },
    erp_system: { description: "netsuite or erp_file." },
    erp_payment_id: { description: "NetSuite internal id or legacy payment number." },
    erp_amount: { description: "ERP payment amount, major units." },
    erp_expected_system: {
      description:
        "The ERP keeping the ledger of the customer's entity (NULL when trueup cannot see that ledger).",
    },
    match_method: {
      description: "external_id, customer_amount_date, or NULL when unmatched.",
      tests: [{ accepted_values: ["external_id", "customer_amount_date"] }],
    },
    amount_reporting: {
      description: "Payment amount in the reporting currency (fx.reportingCurrency) at the rate of its date.",
    },
    reporting_currency: { description: "The reporting currency amount_reporting is in." },
  },
  sql: (ctx) => {
    const xref = ctx.ref("customer_xref", XREF_MAPPING);
    const window = Math.max(ctx.config.reconciliation.windowDays, 1) * 2;
    return `
    WITH billing AS (
      SELECT p.system, p.payment_id AS id, p.currency, p.amount, p.refunded, p.paid_at, p.invoice_id, x.customer_id
        FROM ${ctx.ref("conformed.billing_payment")} p
        LEFT JOIN ${xref} x ON x.system = p.system AND x.record_id = p.customer_id
       WHERE p.status = 'succeeded'
    ),
    erp AS (
      SELECT e.system, e.payment_id AS erp_id, e.currency, e.amount, e.payment_date AS erp_date, e.external_id, x.customer_id
        FROM ${ctx.ref("conformed.erp_payment")} e
        LEFT JOIN ${xref} x ON x.system = e.system AND x.record_id = e.customer_id
    ),
    ${erpLedger(ctx)},
    m1 AS (
      SELECT * FROM (
        SELECT b.id, e.system, e.erp_id, 'external_id' AS method,
               row_number() OVER (PARTITION BY b.id ORDER BY e.erp_id) AS rb,
               row_number() OVER (PARTITION BY e.system, e.erp_id ORDER BY b.id) AS re
          FROM billing b JOIN erp e ON e.external_id = b.id
      ) z WHERE rb = 1 AND re = 1
    ),
    m2cand AS (
      SELECT b.id, e.system, e.erp_id, abs(${ctx.d.daysBetween("b.paid_at", "e.erp_date")}) AS gap
        FROM billing b JOIN erp e
          ON e.customer_id = b.customer_id AND e.currency = b.currency AND abs(e.amount - b.amount) <= ${ctx.config.reconciliation.amountTolerance}
         AND abs(${ctx.d.daysBetween("b.paid_at", "e.erp_date")}) <= ${window}
       WHERE e.external_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM m1 WHERE m1.id = b.id)
         AND NOT EXISTS (SELECT 1 FROM m1 WHERE m1.system = e.system AND m1.erp_id = e.erp_id)
    ),
    ${mutualBestRounds("m2cand", "m2", "customer_amount_date")}
    matches AS (SELECT id, system, erp_id, method FROM m1 UNION ALL SELECT id, system, erp_id, method FROM m2),
    paired AS (
      SELECT b.system || ':' || b.id AS payment_key, coalesce(b.customer_id, e.customer_id) AS customer_id,
             b.system AS billing_system, b.id AS billing_payment_id, b.invoice_id AS billing_invoice_id, b.currency AS billing_currency, b.amount AS billing_amount, b.refunded AS billing_refunded,
             b.paid_at AS billing_paid_at, e.system AS erp_system, e.erp_id AS erp_payment_id, e.currency AS erp_currency,
             e.amount AS erp_amount, e.erp_date, m.method AS match_method,
             coalesce(b.currency, e.currency) AS currency, coalesce(CAST(b.paid_at AS date), e.erp_date) AS payment_date,
             coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, CASE WHEN p.billing_system = 'stripe' THEN p.billing_payment_id END AS stripe_charge_id,
           CASE WHEN p.billing_system = 'stripe' THEN p.billing_invoice_id END AS stripe_invoice_id,
           c.entity, l.system AS erp_expected_system, round(p.amount * ${reportingRate(ctx, "fx", "p.currency", "p.payment_date")}, 2) AS amount_reporting,
           ${reportingCurrencyColumn(ctx)}
      FROM paired p
      LEFT JOIN ${ctx.ref("customer", CUSTOMER_ENTITY)} c ON c.customer_id = p.customer_id
      LEFT JOIN erp_ledger l ON l.entity = c.entity
      ${fxJoin(ctx, "fx", "p.currency", "p.payment_date")}`;
  },
});
