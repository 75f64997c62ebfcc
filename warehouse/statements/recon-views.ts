/**
 * The text of recon.summary, the same on every warehouse but for its names and number types:
 * open discrepancies counted by category, entity, currency and age bucket, beside whether the
 * last run ran the category's rule; a rule that did not run (or config disabled) with nothing
 * open has one row whose counts and amounts are NULL, not 0, because nobody checked.
 */
export function summarySelect(
  names: { open: string; ruleStatus: string },
  types: { count: string; amount: string },
): string {
  const { open, ruleStatus } = names;
  return `SELECT s.*, r.status AS rule_status, r.reason AS rule_reason FROM (
       SELECT category, coalesce(entity, 'unknown') AS entity, coalesce(currency, 'n/a') AS currency, age_bucket,
              owner_team, count(*) AS open_count, coalesce(sum(amount_reporting), 0) AS amount_reporting,
              min(reporting_currency) AS reporting_currency,
              coalesce(sum(abs(delta)), 0) AS abs_delta
         FROM ${open}
        GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), age_bucket, owner_team
     ) s LEFT JOIN ${ruleStatus} r ON r.category = s.category
     UNION ALL
     SELECT r.category, 'n/a', 'n/a', CAST(NULL AS varchar), CAST(NULL AS varchar), CAST(NULL AS ${types.count}),
            CAST(NULL AS ${types.amount}), CAST(NULL AS varchar), CAST(NULL AS ${types.amount}), r.status, r.reason
       FROM ${ruleStatus} r
      WHERE r.status <> 'ran' AND NOT EXISTS (SELECT 1 FROM ${open} o WHERE o.category = r.category)`;
}

/** recon.summary's columns, in order. */
export const SUMMARY_COLUMNS = [
  "category",
  "entity",
  "currency",
  "age_bucket",
  "owner_team",
  "open_count",
  "amount_reporting",
  "reporting_currency",
  "abs_delta",
  "rule_status",
  "rule_reason",
] as const;
