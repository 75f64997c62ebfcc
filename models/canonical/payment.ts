import { defineModel } from "../define.js";
import {
  field,
  fromMinor,
  fxJoin,
  live,
  mutualBestRounds,
  reportingCurrencyColumn,
  reportingRate,
  unix,
} from "./sql.js";

/**
 * Succeeded billing charges (Stripe) beside ERP customer payments (NetSuite CustPymt, legacy ERP
 * payments), matched by external id (the charge id in NetSuite externalid / ERP billing_ref),
 * else by customer + currency + amount with the nearest date inside the window.
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
      description: "stripe:<charge id>, else netsuite:<id> or erp_file:<payment_no>.",
      tests: ["not_null"],
    },
    customer_id: { description: "Canonical customer." },
    stripe_charge_id: { description: "Stripe charge id." },
    billing_amount: { description: "Charge amount in major units." },
    billing_refunded: { description: "Amount refunded on the charge, major units." },
    erp_system: { description: "netsuite or erp_file." },
    erp_payment_id: { description: "NetSuite internal id or legacy payment number." },
    erp_amount: { description: "ERP payment amount, major units." },
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
    const xref = ctx.ref("customer_xref");
    const window = Math.max(ctx.config.reconciliation.windowDays, 1) * 2;
    return `
    WITH invoice_payment AS (
      -- From API version 2025-03-31.basil a charge no longer names its invoice: the invoice's paid
      -- invoice_payment names the charge, or the payment intent the charge belongs to (ch_/pi_ ids
      -- never collide, so one key column holds both).
      SELECT coalesce(${field(ctx, "p", "payment", "charge")}, ${field(ctx, "p", "payment", "payment_intent")}) AS paid_by,
             min(${field(ctx, "p", "invoice")}) AS invoice_id
        FROM ${ctx.source("stripe", "invoice_payments")} p
       WHERE ${live("p")} AND ${field(ctx, "p", "status")} = 'paid'
       GROUP BY coalesce(${field(ctx, "p", "payment", "charge")}, ${field(ctx, "p", "payment", "payment_intent")})
    ),
    billing AS (
      SELECT ch.id, upper(${field(ctx, "ch", "currency")}) AS currency, ${fromMinor(ctx, field(ctx, "ch", "amount"), field(ctx, "ch", "currency"))} AS amount,
             ${fromMinor(ctx, `coalesce(${field(ctx, "ch", "amount_refunded")}, '0')`, field(ctx, "ch", "currency"))} AS refunded,
             ${unix(ctx, field(ctx, "ch", "created"))} AS paid_at,
             coalesce(${field(ctx, "ch", "invoice")}, ip_charge.invoice_id, ip_intent.invoice_id) AS stripe_invoice_id, x.customer_id
        FROM ${ctx.source("stripe", "charges")} ch
        LEFT JOIN ${xref} x ON x.system = 'stripe' AND x.record_id = ${field(ctx, "ch", "customer")}
        LEFT JOIN invoice_payment ip_charge ON ip_charge.paid_by = ch.id
        LEFT JOIN invoice_payment ip_intent ON ip_intent.paid_by = ${field(ctx, "ch", "payment_intent")}
       WHERE ${live("ch")} AND ${field(ctx, "ch", "status")} = 'succeeded'
    ),
    ns_cur AS (SELECT c.id, upper(${field(ctx, "c", "symbol")}) AS code FROM ${ctx.source("netsuite", "currency")} c WHERE ${live("c")}),
    erp AS (
      SELECT 'netsuite' AS system, t.id AS erp_id, coalesce(cur.code, upper(${field(ctx, "t", "currency")})) AS currency,
             ${ctx.d.cast("t.foreigntotal", "numeric")} AS amount, CAST(t.trandate AS date) AS erp_date,
             NULLIF(${field(ctx, "t", "externalid")}, '') AS external_id, x.customer_id
        FROM ${ctx.source("netsuite", "transaction")} t
        LEFT JOIN ns_cur cur ON cur.id = ${field(ctx, "t", "currency")}
        LEFT JOIN ${xref} x ON x.system = 'netsuite' AND x.record_id = ${field(ctx, "t", "entity")}
       WHERE ${live("t")} AND ${field(ctx, "t", "type")} = 'CustPymt'
      UNION ALL
      SELECT 'erp_file', p.payment_no, upper(p.currency), ${ctx.d.cast("p.amount", "numeric")}, CAST(p.payment_date AS date),
             NULLIF(p.billing_ref, ''), x.customer_id
        FROM ${ctx.source("erp_files", "payments")} p
        LEFT JOIN ${xref} x ON x.system = 'erp_file' AND x.record_id = p.customer_no
       WHERE ${live("p")}
    ),
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
      SELECT 'stripe:' || b.id AS payment_key, coalesce(b.customer_id, e.customer_id) AS customer_id, b.id AS stripe_charge_id,
             b.stripe_invoice_id, b.currency AS billing_currency, b.amount AS billing_amount, b.refunded AS billing_refunded,
             b.paid_at AS billing_paid_at, e.system AS erp_system, e.erp_id AS erp_payment_id, e.currency AS erp_currency,
             e.amount AS erp_amount, e.erp_date, m.method AS match_method,
             coalesce(b.currency, e.currency) AS currency, coalesce(CAST(b.paid_at AS date), e.erp_date) AS payment_date,
             coalesce(b.amount, e.amount) AS amount
        FROM billing b LEFT JOIN matches m ON m.id = b.id LEFT JOIN erp e ON e.system = m.system AND e.erp_id = m.erp_id
      UNION ALL
      SELECT e.system || ':' || e.erp_id, e.customer_id, NULL, NULL, NULL, NULL, NULL, NULL, e.system, e.erp_id, e.currency,
             e.amount, e.erp_date, NULL, e.currency, e.erp_date, e.amount
        FROM erp e WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.system = e.system AND m.erp_id = e.erp_id)
    )
    SELECT p.*, c.entity, round(p.amount * ${reportingRate(ctx, "fx", "p.currency", "p.payment_date")}, 2) AS amount_reporting,
           ${reportingCurrencyColumn(ctx)}
      FROM paired p
      LEFT JOIN ${ctx.ref("customer")} c ON c.customer_id = p.customer_id
      ${fxJoin(ctx, "fx", "p.currency", "p.payment_date")}`;
  },
});
