import type { SystemEmulatorModule } from "./context.js";
import type { SystemName } from "./interfaces.js";
import { hubspotModule } from "./hubspot/index.js";
import { netsuiteModule } from "./netsuite/index.js";
import { salesforceModule } from "./salesforce/index.js";
import { stripeModule } from "./stripe/index.js";
import { zendeskModule } from "./zendesk/index.js";

/** The emulators in port order: Salesforce P, Stripe P+1, NetSuite P+2, Zendesk P+3, HubSpot P+4. */
export const EMULATORS: Record<SystemName, SystemEmulatorModule> = {
  salesforce: salesforceModule,
  stripe: stripeModule,
  netsuite: netsuiteModule,
  zendesk: zendeskModule,
  hubspot: hubspotModule,
};

export const PORT_ORDER: SystemName[] = ["salesforce", "stripe", "netsuite", "zendesk", "hubspot"];
