import type { SourceSystem } from "../config/schema.js";
import { referenceSource } from "./files/reference-source.js";
import { erpFilesSource } from "./files/source.js";
import type { Source } from "./interfaces.js";
import { netsuiteSource } from "./sources/netsuite/index.js";
import { salesforceSource } from "./sources/salesforce/index.js";
import { stripeSource } from "./sources/stripe/index.js";
import { zendeskSource } from "./sources/zendesk/index.js";

/** Every source trueup knows, by name. */
export const SOURCES: Partial<Record<SourceSystem, Source>> = {
  salesforce: salesforceSource,
  stripe: stripeSource,
  netsuite: netsuiteSource,
  zendesk: zendeskSource,
  erp_files: erpFilesSource,
  reference: referenceSource,
};
