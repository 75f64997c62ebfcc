import type { Rule, RuleContext } from "../interfaces.js";

/** A billing system against an ERP: any of roles.billing, any of roles.erp. */
export const BILLING_AND_ERP: Rule["needs"] = [["billing"], ["erp"]];

/**
 * The billing system a record with no billing side is missing from: `known` (a column naming it,
 * NULL when unknown), else the first of roles.billing.
 */
export function expectedBilling(ctx: RuleContext, known = "NULL"): string {
  return `coalesce(${known}, ${ctx.d.literal(ctx.config.roles.billing[0] ?? "billing")})`;
}
