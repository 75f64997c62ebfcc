import type { ModelContext } from "../interfaces.js";

/**
 * SQL fragments the canonical models share. Every one goes through the dialect helpers or is
 * plain ANSI, so the models compile for Postgres and Snowflake alike.
 */

/** ISO 4217 currencies without minor units (Stripe's zero-decimal list) and with three. */
export const ZERO_DECIMAL = [
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
];
export const THREE_DECIMAL = ["BHD", "JOD", "KWD", "OMR", "TND"];

/** Minor units (Stripe integers) → exact major units, by each currency's exponent. */
export function fromMinor(ctx: ModelContext, amount: string, currency: string): string {
  const cur = `upper(${currency})`;
  const list = (xs: string[]) => xs.map((c) => ctx.d.literal(c)).join(", ");
  return `(CASE WHEN ${cur} IN (${list(ZERO_DECIMAL)}) THEN ${ctx.d.cast(amount, "numeric")}
    WHEN ${cur} IN (${list(THREE_DECIMAL)}) THEN ${ctx.d.cast(amount, "numeric")} / 1000
    ELSE ${ctx.d.cast(amount, "numeric")} / 100 END)`;
}

/** Unix seconds (Stripe) → timestamp. */
export function unix(ctx: ModelContext, expr: string): string {
  return `CASE WHEN ${expr} IS NULL THEN NULL ELSE ${ctx.d.fromUnix(ctx.d.cast(expr, "bigint"))} END`;
}

/** A host name from a URL, an e-mail address or a bare domain: lower case, no scheme, no www. */
export function normalizeDomain(ctx: ModelContext, expr: string): string {
  const noMail = `CASE WHEN ${expr} LIKE '%@%' THEN substr(${expr}, position('@' IN ${expr}) + 1) ELSE ${expr} END`;
  const noScheme = ctx.d.regexpReplace(`lower(trim(${noMail}))`, "^(https?://)?(www\\.)?", "");
  const host = ctx.d.regexpReplace(noScheme, "[/:?#].*$", "");
  return `NULLIF(${host}, '')`;
}

/** A company name reduced to what identifies it: lower case, no punctuation, no legal suffix. */
export function normalizeName(ctx: ModelContext, expr: string): string {
  const lower = `lower(${expr})`;
  const noPunct = ctx.d.regexpReplace(lower, "[^a-z0-9 ]+", " ");
  const noSuffix = ctx.d.regexpReplace(
    ` ${noPunct} `,
    " (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ",
    " ",
  );
  return `NULLIF(trim(${ctx.d.regexpReplace(noSuffix, " +", " ")}), '')`;
}

/** The reporting currency (config fx.reportingCurrency), upper case. */
export function reportingCurrency(ctx: Pick<ModelContext, "config">): string {
  return ctx.config.fx.reportingCurrency.toUpperCase();
}

/**
 * The rates converting `currency` on `date` to the reporting currency, by equality joins: alias
 * `alias` for the currency and, unless the reporting currency is USD, `<alias>_rep` for the
 * reporting currency (the rates file holds USD per unit; any other reporting currency is a cross
 * rate). `reportingRate` falls back to the latest earlier rate when the day has none (weekends
 * and holidays in real rate files).
 */
export function fxJoin(ctx: ModelContext, alias: string, currency: string, date: string): string {
  const join = (a: string, cur: string) =>
    `LEFT JOIN ${ctx.ref("fx_rate")} ${a} ON ${a}.currency = upper(${cur}) AND ${a}.rate_date = CAST(${date} AS date)`;
  const rep = reportingCurrency(ctx);
  return rep === "USD"
    ? join(alias, currency)
    : `${join(alias, currency)}\n      ${join(`${alias}_rep`, ctx.d.literal(rep))}`;
}

/** USD per unit of `currency` on `date` (the day's rate from `alias`, else the latest earlier one). */
export function usdRate(ctx: ModelContext, alias: string, currency: string, date: string): string {
  const latest = ctx.d.latestBy(
    "r.usd_per_unit",
    "r.rate_date",
    `${ctx.ref("fx_rate")} r`,
    `r.currency = upper(${currency}) AND r.rate_date <= CAST(${date} AS date)`,
  );
  return `CASE WHEN upper(${currency}) = 'USD' THEN 1 ELSE COALESCE(${alias}.usd_per_unit, ${latest}) END`;
}

/**
 * Reporting-currency units per unit of `currency` on `date`, with the joins of `fxJoin`:
 * usd_per_unit(currency) / usd_per_unit(reporting currency); 1 when they are the same currency.
 */
export function reportingRate(ctx: ModelContext, alias: string, currency: string, date: string): string {
  const rep = reportingCurrency(ctx);
  const toUsd = usdRate(ctx, alias, currency, date);
  if (rep === "USD") return toUsd;
  const lit = ctx.d.literal(rep);
  return `(CASE WHEN upper(${currency}) = ${lit} THEN 1
    ELSE ${toUsd} / NULLIF(${usdRate(ctx, `${alias}_rep`, lit, date)}, 0) END)`;
}

/** The `reporting_currency` column every table with `*_reporting` amounts carries. */
export function reportingCurrencyColumn(ctx: ModelContext): string {
  return `${ctx.d.cast(ctx.d.literal(reportingCurrency(ctx)), "text")} AS reporting_currency`;
}

/** A text field of the record as the source returned it (robust to fields a world never sent). */
export function field(ctx: Pick<ModelContext, "d">, alias: string, ...path: string[]): string {
  return ctx.d.jsonPath(`${alias}._trueup_payload`, path);
}

/** Live (not tombstoned) rows of a staging relation. */
export function live(alias: string): string {
  return `NOT coalesce(${alias}._trueup_deleted, false)`;
}

/** Webmail and ISP domains: shared by unrelated people, never evidence of one company. */
export const FREE_MAIL = [
  "gmail.com",
  "googlemail.com",
  "yahoo.com",
  "hotmail.com",
  "outlook.com",
  "live.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "proton.me",
  "protonmail.com",
  "mail.com",
  "yandex.ru",
  "qq.com",
];

/**
 * One-to-one matching of fuzzy candidates (`cand` with columns id, system, erp_id, gap) as CTEs
 * ending in `<out>(id, system, erp_id, method)`. Each round keeps the pairs that are each other's
 * best (smallest gap, then id) among what earlier rounds left unmatched. One round is not enough:
 * two monthly invoices a day apart can both prefer the same ERP posting, and the loser must then
 * take the next one instead of being reported missing. Rounds are unrolled because Postgres does
 * not allow the anti-join a recursive CTE would need; `rounds` bounds the length of such chains.
 */
export function mutualBestRounds(cand: string, out: string, method: string, rounds = 4): string {
  const parts: string[] = [];
  for (let r = 1; r <= rounds; r++) {
    const prior = Array.from({ length: r - 1 }, (_, i) => `${out}_r${i + 1}`);
    // Two NOT EXISTS with one equality each, not one over an OR: an OR cannot be hashed, so the
    // planner ran each round's exclusion as a nested loop over every candidate and every earlier
    // pair (15-19 s a round for canonical.payment at scale 10, for rounds that kept no row).
    const excluded = prior
      .map(
        (p) =>
          `AND NOT EXISTS (SELECT 1 FROM ${p} WHERE ${p}.id = c.id) AND NOT EXISTS (SELECT 1 FROM ${p} WHERE ${p}.system = c.system AND ${p}.erp_id = c.erp_id)`,
      )
      .join(" ");
    parts.push(`${out}_r${r} AS (
      SELECT id, system, erp_id FROM (
        SELECT c.id, c.system, c.erp_id,
               row_number() OVER (PARTITION BY c.id ORDER BY c.gap, c.erp_id) AS rb,
               row_number() OVER (PARTITION BY c.system, c.erp_id ORDER BY c.gap, c.id) AS re
          FROM ${cand} c WHERE TRUE ${excluded}
      ) z WHERE rb = 1 AND re = 1
    )`);
  }
  const union = Array.from(
    { length: rounds },
    (_, i) => `SELECT id, system, erp_id FROM ${out}_r${i + 1}`,
  ).join(" UNION ALL ");
  parts.push(`${out} AS (SELECT id, system, erp_id, '${method}' AS method FROM (${union}) u)`);
  return parts.join(",\n    ") + ",";
}

/**
 * The metadata keys in which billing records name their CRM record: Stripe integrations write the
 * Salesforce id under `salesforce_account_id` / `salesforce_opportunity_id`, HubSpot's under
 * `hubspot_company_id` / `hubspot_deal_id`. The first one set wins.
 */
const CRM_LINK_KEYS = {
  account: ["salesforce_account_id", "hubspot_company_id"],
  opportunity: ["salesforce_opportunity_id", "hubspot_deal_id"],
} as const;

/** The CRM record a billing record's metadata names (empty values ignored), or NULL. */
export function crmLink(
  ctx: Pick<ModelContext, "d">,
  alias: string,
  kind: keyof typeof CRM_LINK_KEYS = "account",
): string {
  const keys = CRM_LINK_KEYS[kind].map((k) => `NULLIF(${field(ctx, alias, "metadata", k)}, '')`);
  return `coalesce(${keys.join(", ")})`;
}

/**
 * What the models that place records under their customer read of `customer_xref` and
 * `customer` (`ref(name, { columns })`): a rename or a new domain, which changes other columns
 * of those tables, then leaves them (and the rules over them) as they were.
 */
export const XREF_MAPPING = { columns: ["system", "record_id", "customer_id"] } as const;
export const XREF_MAPPING_NOT_DUPLICATE = {
  columns: ["system", "record_id", "customer_id", "is_duplicate"],
} as const;
export const CUSTOMER_ENTITY = { columns: ["customer_id", "entity"] } as const;
