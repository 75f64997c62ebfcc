import { restSources } from "../config/rest-source.js";
import type { Config, SourceSystem } from "../config/schema.js";
import { referenceSource } from "./files/reference-source.js";
import { erpFilesSource } from "./files/source.js";
import type { Source } from "./interfaces.js";
import { restSource } from "./rest/source.js";
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

/** The built-in sources and the REST sources the config declares (`sources.<name>: { type: "rest" }`). */
export function sourcesFor(config: Config): Partial<Record<SourceSystem, Source>> {
  const out: Partial<Record<string, Source>> = { ...SOURCES };
  for (const [name] of restSources(config)) out[name] = restSource(name);
  return out;
}
