import type { ModelDefinition } from "../interfaces.js";
import { billingModels } from "../conformed/billing.js";
import { crmModels } from "../conformed/crm.js";
import { erpModels } from "../conformed/erp.js";
import { supportModels } from "../conformed/support.js";
import { contract } from "./contract.js";
import { creditNote, refund } from "./credits.js";
import { customer } from "./customer.js";
import { customerHealth, supportTierCorrections } from "./customer-health.js";
import { customerXref } from "./customer-xref.js";
import { fxRate } from "./fx-rate.js";
import { invoice } from "./invoice.js";
import { payment } from "./payment.js";

/**
 * The built-in models: the conformed layer (one shape per role, whichever system fills it) and
 * the canonical models built on it; their DAG comes from their ref()/source() calls.
 */
export const canonicalModels: ModelDefinition[] = [
  ...crmModels,
  ...billingModels,
  ...erpModels,
  ...supportModels,
  fxRate,
  customerXref,
  customer,
  contract,
  invoice,
  payment,
  refund,
  creditNote,
  customerHealth,
  supportTierCorrections,
];
