import type { ReconDescriptions, ReconObject } from "../warehouse/statements/reconcile.js";

/**
 * What every object and column of the `recon` schema means, as its DDL records it (COMMENT ON
 * on Postgres, inline COMMENT on Snowflake), so a BI user reads it in the catalog. A column's
 * name means the same in every recon table and view that has it.
 */
const OBJECT_DESCRIPTIONS: Record<ReconObject, string> = {
  discrepancy:
    "Every discrepancy trueup has found, one row per category and key, open or resolved. Nothing is deleted: a discrepancy that disappears is resolved with a timestamp, one that comes back reopens.",
  discrepancy_events:
    "Every event of every discrepancy, in order: the data's (opened, resolved, reopened, explanation_reset, in which run) and people's (assigned, explained, review_reopened, with the actor).",
  signoff:
    "Month-end close: one row per signed month and entity (all: every entity), who signed, when, the open items by review state then, and whether a later run changed items dated in that month.",
  history: "Open discrepancies per day, category, entity and currency: the trend chart.",
  rule_status:
    "Whether the last reconciliation ran each rule (ran, not_run, disabled) and why not: a category with no open discrepancies whose rule did not run is unknown, not clean.",
  open_discrepancies: "Open discrepancies with their age: the exception queue finance works.",
  summary:
    "Open discrepancies counted and summed by category, entity, currency and age bucket, with whether the last run ran the category's rule (rule_status, rule_reason); a rule that did not run and has nothing open has one row with NULL counts.",
  exception_queue:
    "The exception queue: open discrepancies not explained, with customer, both documents, the amount at stake and what it means, due date and age from the last reconciliation's as-of.",
  close_status:
    "Month-end close per month (of the items' documents) and entity: open items by review state, the unexplained ones above reconciliation.materiality that block sign-off, and the sign-off if any.",
};

/** recon.discrepancy's own columns, in its order. */
const DISCREPANCY_COLUMNS: Record<string, string> = {
  category: "What disagrees, e.g. invoice_missing_in_erp or duplicate_customer.",
  key: "system:native_id of the record the discrepancy is about.",
  family: "Rule family (DAG node recon.<family>) that found it.",
  customer_id: "Canonical customer (canonical.customer.customer_id).",
  entity: "Legal entity (us, eu) when known.",
  left_system: "System holding the record the key names.",
  left_value: "Value in left_system.",
  right_system: "System it is compared with.",
  right_value: "Value in right_system (NULL when the record is missing there).",
  delta: "left minus right, in currency units, for amount discrepancies.",
  currency: "Currency of left_value, right_value and delta.",
  amount_reporting: "Amount at stake in reporting_currency, at the rate of the record date.",
  reporting_currency: "The reporting currency (config fx.reportingCurrency) amount_reporting is in.",
  detail: "Both sides' values, match method and anything else a reviewer needs, as the rule found them.",
  status: "open or resolved: what the data says (people's view is review_state).",
  first_seen_at: "As-of time of the run that first found it.",
  last_seen_at: "As-of time of the last run that found it (open) or saw it (resolved).",
  resolved_at: "As-of time of the run that no longer found it; NULL while open.",
  reopened_count: "How often it came back after being resolved.",
  owner_team: "Team that works this category (config reconciliation.ownerTeams).",
  last_run_id: "The run that last changed it.",
  review_state:
    "unreviewed, assigned or explained. An explanation holds while the values are the ones explained; when they change it returns to unreviewed (event explanation_reset).",
  assignee: "Who works it (trueup recon assign).",
  reason_code:
    "Why it is explained: one of reconciliation.reasonCodes (timing, known_difference, fixed_at_source, write_off, other by default).",
  note: "The explanation's words.",
  reviewed_by: "Who last assigned, explained or reopened it.",
  reviewed_at: "When they did.",
  due_at: "First seen plus the category's SLA in days (reconciliation.sla, else reconciliation.slaDays).",
  period:
    "Month (YYYY-MM) the item is dated in: its document's date (invoice, payment, refund or credit note date) where the category has one, else the as-of month of the run that first found it. Sign-off is per period.",
  explained_left_value:
    "left_value when it was explained: the explanation holds while left_value, right_value and delta are unchanged.",
  explained_right_value: "right_value when it was explained.",
  explained_delta: "delta when it was explained.",
};

/** The other columns of recon's tables and views, by name. */
const OTHER_COLUMNS: Record<string, string> = {
  id: "Increasing in the order events were written.",
  run_id: "The run that wrote it (manual for a person's action outside a run).",
  at: "When: a run's as-of for the data's events, the wall clock for people's.",
  event:
    "opened, resolved, reopened, explanation_reset (by a run); assigned, explained, review_reopened (by a person); signed_off (category signoff).",
  actor: "Who acted: --by, TRUEUP_USER or the OS user; NULL for a run's own events.",
  event_detail:
    "What the action set (assignee, reason_code, note) or, for explanation_reset, the values explained and the new ones.",
  day: "Day (UTC) of the run's as-of.",
  open_count: "Open discrepancies.",
  reason: "Why a rule did not run.",
  checked_at: "As-of time of the reconciliation that wrote the row.",
  age_days: "Days from first seen to the last reconciliation's as-of.",
  age_bucket: "0-7, 8-30, 31-90 or 90+ days of age_days.",
  abs_delta: "Sum of the absolute differences, in each row's currency.",
  rule_status: "Whether the last reconciliation ran the category's rule: ran, not_run or disabled.",
  rule_reason: "Why the rule did not run.",
  customer_name: "Canonical customer's name.",
  left_document: "The document on the left side: its number when the rule knows it, else the key's id.",
  right_document: "The document on the right side (ERP number or id) when there is one.",
  amount_meaning:
    "What amount_reporting is: whole document (a record missing on one side, or sides that disagree on status or currency: the document's amount), difference (an amount mismatch: the difference), none (no amount).",
  overdue: "Past due_at at the as-of.",
  as_of: "As-of time of the last reconciliation (the newest checked_at of recon.rule_status).",
  signed_by: "Who signed.",
  signed_at: "When (wall clock).",
  snapshot: "Open items of the month and entity by review state at sign-off: count and amount_reporting.",
  changed_at:
    "As-of of the first later run that changed items dated in the month (new, reopened or explanation reset): the sign-off is flagged, not altered. NULL: unchanged.",
  changed_run_id: "That run.",
  open: "Open items.",
  unreviewed: "Open items not yet reviewed.",
  assigned: "Open items assigned.",
  explained: "Open items explained.",
  blocking:
    "Open items not explained with amount_reporting above reconciliation.materiality: sign-off is refused while this is above 0.",
  signed: "Whether the month and entity (or all entities) is signed.",
};

/** Columns whose name means something else in one table (table.column). */
const TABLE_COLUMNS: Record<string, string> = {
  "rule_status.status": "ran, not_run or disabled.",
  "rule_status.family": "Rule family (DAG node recon.<family>) the rule belongs to.",
  "signoff.entity": "Legal entity signed (us, eu, unknown), or all: every entity at once.",
  "signoff.period": "The month signed (YYYY-MM): items whose period is this month.",
};

/**
 * A recon column's description (`table` narrows it where the name means something else there);
 * undefined for one nobody described (a test checks there is none).
 */
export function reconColumnDescription(column: string, table?: string): string | undefined {
  return (
    (table && TABLE_COLUMNS[`${table}.${column}`]) || DISCREPANCY_COLUMNS[column] || OTHER_COLUMNS[column]
  );
}

export const RECON_DESCRIPTIONS: ReconDescriptions = {
  object: (name) => OBJECT_DESCRIPTIONS[name],
  column: reconColumnDescription,
};
