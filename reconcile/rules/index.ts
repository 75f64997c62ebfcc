import type { RuleFamily } from "../interfaces.js";
import { contractRules } from "./contracts.js";
import { creditRules } from "./credits.js";
import { customerRules } from "./customers.js";
import { entitlementRules } from "./entitlements.js";
import { invoiceRules } from "./invoices.js";
import { paymentRules } from "./payments.js";

/** Every rule family trueup runs, one DAG node each (recon.<name>). */
export const RULE_FAMILIES: RuleFamily[] = [
  invoiceRules,
  paymentRules,
  creditRules,
  contractRules,
  entitlementRules,
  customerRules,
];
