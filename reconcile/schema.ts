import type { WarehouseSession } from "../warehouse/interfaces.js";

/**
 * The `recon` schema finance reads. `discrepancy` keeps every discrepancy ever found, open or
 * resolved (nothing is deleted); `discrepancy_events` is its lifecycle log; `history` a daily
 * snapshot for trend charts; `summary` and `open_discrepancies` are views shaped for BI.
 * Idempotent DDL, run before each reconciliation.
 */
const STATEMENTS = [
  `CREATE SCHEMA IF NOT EXISTS recon`,
  `CREATE TABLE IF NOT EXISTS recon.discrepancy (
     category text NOT NULL,
     key text NOT NULL,
     family text NOT NULL,
     customer_id text,
     entity text,
     left_system text,
     left_value text,
     right_system text,
     right_value text,
     delta numeric,
     currency text,
     amount_usd numeric,
     detail jsonb,
     status text NOT NULL CHECK (status IN ('open', 'resolved')),
     first_seen_at timestamptz NOT NULL,
     last_seen_at timestamptz NOT NULL,
     resolved_at timestamptz,
     reopened_count integer NOT NULL DEFAULT 0,
     owner_team text NOT NULL,
     last_run_id text,
     PRIMARY KEY (category, key)
   )`,
  `COMMENT ON TABLE recon.discrepancy IS 'Every discrepancy trueup has found, one row per category and key, open or resolved. Nothing is deleted: a discrepancy that disappears is resolved with a timestamp, one that comes back reopens.'`,
  `COMMENT ON COLUMN recon.discrepancy.category IS 'What disagrees (CONTRACTS §4), e.g. invoice_missing_in_erp.'`,
  `COMMENT ON COLUMN recon.discrepancy.key IS 'system:native_id of the record the discrepancy is about.'`,
  `COMMENT ON COLUMN recon.discrepancy.customer_id IS 'Canonical customer (canonical.customer.customer_id).'`,
  `COMMENT ON COLUMN recon.discrepancy.left_value IS 'Value in left_system.'`,
  `COMMENT ON COLUMN recon.discrepancy.right_value IS 'Value in right_system (NULL when the record is missing there).'`,
  `COMMENT ON COLUMN recon.discrepancy.delta IS 'left minus right, in currency units, for amount discrepancies.'`,
  `COMMENT ON COLUMN recon.discrepancy.amount_usd IS 'Amount at stake in the reporting currency, at the rate of the record date.'`,
  `COMMENT ON COLUMN recon.discrepancy.status IS 'open or resolved.'`,
  `COMMENT ON COLUMN recon.discrepancy.first_seen_at IS 'As-of time of the run that first found it.'`,
  `COMMENT ON COLUMN recon.discrepancy.owner_team IS 'Team that works this category (config reconciliation.ownerTeams).'`,
  `CREATE INDEX IF NOT EXISTS discrepancy_status ON recon.discrepancy (status, category)`,
  `CREATE TABLE IF NOT EXISTS recon.discrepancy_events (
     id bigserial PRIMARY KEY,
     run_id text NOT NULL,
     at timestamptz NOT NULL,
     category text NOT NULL,
     key text NOT NULL,
     event text NOT NULL CHECK (event IN ('opened', 'reopened', 'resolved'))
   )`,
  `COMMENT ON TABLE recon.discrepancy_events IS 'Lifecycle log: when each discrepancy opened, resolved or reopened, and in which run.'`,
  `CREATE TABLE IF NOT EXISTS recon.history (
     day date NOT NULL,
     category text NOT NULL,
     entity text NOT NULL,
     currency text NOT NULL,
     open_count integer NOT NULL,
     amount_usd numeric NOT NULL,
     PRIMARY KEY (day, category, entity, currency)
   )`,
  `COMMENT ON TABLE recon.history IS 'Open discrepancies per day, category, entity and currency: the trend chart.'`,
  `CREATE OR REPLACE VIEW recon.open_discrepancies AS
     SELECT d.*, (CURRENT_DATE - CAST(d.first_seen_at AS date)) AS age_days,
            CASE WHEN CURRENT_DATE - CAST(d.first_seen_at AS date) <= 7 THEN '0-7 days'
                 WHEN CURRENT_DATE - CAST(d.first_seen_at AS date) <= 30 THEN '8-30 days'
                 WHEN CURRENT_DATE - CAST(d.first_seen_at AS date) <= 90 THEN '31-90 days'
                 ELSE '90+ days' END AS age_bucket
       FROM recon.discrepancy d WHERE d.status = 'open'`,
  `COMMENT ON VIEW recon.open_discrepancies IS 'Open discrepancies with their age: the exception queue finance works.'`,
  `CREATE OR REPLACE VIEW recon.summary AS
     SELECT category, coalesce(entity, 'unknown') AS entity, coalesce(currency, 'n/a') AS currency, age_bucket,
            owner_team, count(*) AS open_count, coalesce(sum(amount_usd), 0) AS amount_usd,
            coalesce(sum(abs(delta)), 0) AS abs_delta
       FROM recon.open_discrepancies
      GROUP BY category, coalesce(entity, 'unknown'), coalesce(currency, 'n/a'), age_bucket, owner_team`,
  `COMMENT ON VIEW recon.summary IS 'Open discrepancies counted and summed by category, entity, currency and age bucket.'`,
];

export async function ensureReconSchema(tx: WarehouseSession): Promise<void> {
  await tx.lockForTransaction("ddl");
  for (const s of STATEMENTS) await tx.query(s);
}
