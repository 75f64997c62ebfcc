import type { Credentials } from "../../config/credentials.js";
import type { Config, SyncConfig } from "../../config/schema.js";
import type { Logger } from "../../core/log.js";
import type { Destination } from "../interfaces.js";
import { HubspotDestination, hubspotWriteClient } from "./hubspot/index.js";
import { SalesforceDestination, salesforceWriteClient } from "./salesforce/index.js";
import { ZendeskDestination, zendeskWriteClient } from "./zendesk/index.js";

/** One destination per system per run, shared by the syncs that write to it (one write budget). */
export function destinationFactory(
  config: Config,
  credentials: Credentials,
  options: { runId: string; log: Logger },
): (system: SyncConfig["destination"]["system"]) => Destination {
  const made = new Map<string, Destination>();
  const make = (system: SyncConfig["destination"]["system"]): Destination => {
    switch (system) {
      case "salesforce":
        return new SalesforceDestination(
          salesforceWriteClient(credentials, options),
          config.sources.salesforce?.apiVersion ?? "v61.0",
        );
      case "zendesk":
        return new ZendeskDestination(zendeskWriteClient(credentials, options));
      case "hubspot":
        return new HubspotDestination(hubspotWriteClient(credentials, options));
    }
  };
  return (system) => {
    let d = made.get(system);
    if (!d) {
      d = make(system);
      made.set(system, d);
    }
    return d;
  };
}
