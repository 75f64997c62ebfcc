import type { ModelContext } from "../interfaces.js";
import { mutualBestRounds } from "./sql.js";

/**
 * One-to-one pairing of billing records with ERP postings, as CTEs ending in
 * `matches(id, system, erp_id, method)`, in priority order:
 *   external_id           the ERP posting holds the billing id (NetSuite externalid, ERP billing_ref)
 *   memo_number           the billing document's number is a word of the ERP memo
 *   customer_amount_date  same customer and currency, amounts within the tolerance, dates within
 *                         twice the posting window, nearest first (only postings without an external id)
 * Each side is used at most once.
 *
 * `billing` names a CTE with columns id, number (NULL when the document has none), customer_id,
 * currency, amount, billed_at; `erp` one with system, erp_id, external_id, memo, customer_id, currency,
 * amount, erp_date.
 */
export function erpMatches(ctx: ModelContext, billing: string, erp: string): string {
  const window = Math.max(ctx.config.reconciliation.windowDays, 1) * 2;
  const gap = `abs(${ctx.d.daysBetween("b.billed_at", "e.erp_date")})`;
  return `m1 AS (
      SELECT b.id, e.system, e.erp_id, 'external_id' AS method, 1 AS prio FROM ${billing} b JOIN ${erp} e ON e.external_id = b.id
    ),
    memo_words AS (
      SELECT e.system, e.erp_id, CAST(w.value AS text) AS word FROM ${erp} e, ${ctx.d.splitToRows("e.memo", "[[:space:],;:#()]+", "w")}
       WHERE e.external_id IS NULL AND e.memo IS NOT NULL AND CAST(w.value AS text) <> ''
    ),
    m2 AS (
      SELECT b.id, mw.system, mw.erp_id, 'memo_number' AS method, 2 AS prio FROM ${billing} b JOIN memo_words mw ON mw.word = b.number
    ),
    m12 AS (
      SELECT * FROM (
        SELECT m.*, row_number() OVER (PARTITION BY m.id ORDER BY m.prio, m.erp_id) AS rb,
                    row_number() OVER (PARTITION BY m.system, m.erp_id ORDER BY m.prio, m.id) AS re
          FROM (SELECT * FROM m1 UNION ALL SELECT * FROM m2) m
      ) z WHERE rb = 1 AND re = 1
    ),
    m3cand AS (
      SELECT b.id, e.system, e.erp_id, ${gap} AS gap
        FROM ${billing} b JOIN ${erp} e
          ON e.customer_id = b.customer_id AND e.currency = b.currency
         AND abs(e.amount - b.amount) <= ${ctx.config.reconciliation.amountTolerance} AND ${gap} <= ${window}
       WHERE e.external_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM m12 WHERE m12.id = b.id)
         AND NOT EXISTS (SELECT 1 FROM m12 WHERE m12.system = e.system AND m12.erp_id = e.erp_id)
    ),
    ${mutualBestRounds("m3cand", "m3", "customer_amount_date")}
    matches AS (SELECT id, system, erp_id, method FROM m12 UNION ALL SELECT id, system, erp_id, method FROM m3)`;
}

/**
 * `erp_ledger(entity, system)`: which ERP keeps each legal entity's books, read off the ERPs'
 * own customers (conformed.erp_customer.entity). A billing document is expected in the ledger of
 * its customer's entity: the system a "missing in the ERP" discrepancy names, and none when that
 * ERP is switched off (its customers then read as empty) or the customer has no entity, so
 * nothing is said missing from a ledger trueup cannot see.
 */
export function erpLedger(ctx: ModelContext): string {
  return `erp_ledger AS (
      SELECT entity, min(system) AS system FROM ${ctx.ref("conformed.erp_customer")} WHERE entity IS NOT NULL GROUP BY entity
    )`;
}
