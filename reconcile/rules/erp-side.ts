import type { SourceSystem } from "../../config/schema.js";
import { sourceAbsence } from "../../models/absent-sources.js";
import type { RuleContext } from "../interfaces.js";

/** Billing against either ERP: the US entity books in NetSuite, the EU entity in the legacy ERP files. */
export const BILLING_AND_ERP: readonly (readonly SourceSystem[])[] = [["stripe"], ["netsuite", "erp_files"]];

/**
 * ` AND <condition>` keeping only records whose entity's ERP is present (empty when both are):
 * with NetSuite switched off, a US invoice is not "missing in the ERP", trueup simply cannot see
 * that ledger.
 */
export function andEntityErpPresent(ctx: RuleContext, entity: string): string {
  const conditions: string[] = [];
  if (sourceAbsence(ctx.config, "netsuite")) conditions.push(`coalesce(${entity}, 'us') = 'eu'`);
  if (sourceAbsence(ctx.config, "erp_files")) conditions.push(`coalesce(${entity}, 'us') <> 'eu'`);
  return conditions.map((c) => ` AND ${c}`).join("");
}
