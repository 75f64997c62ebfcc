import type { Credentials } from "../../config/credentials.js";
import type { Config, SyncConfig } from "../../config/schema.js";
import type { Logger } from "../../core/log.js";
import type { Destination } from "../interfaces.js";
import { SalesforceDestination, salesforceWriteClient } from "./salesforce/index.js";
import { ZendeskDestination, zendeskWriteClient } from "./zendesk/index.js";

/** One destination per system per run, shared by the syncs that write to it (one write budget). */
export function destinationFactory(
  config: Config,
  credentials: Credentials,
  options: { runId: string; log: Logger },
): (system: SyncConfig["destination"]["system"]) => Destination {
  const made = new Map<string, Destination>();
  return (system) => {
    let d = made.get(system);
    if (!d) {
      d =
        system === "salesforce"
          ? new SalesforceDestination(
              salesforceWriteClient(credentials, options),
              config.sources.salesforce?.apiVersion ?? "v61.0",
            )
          : new ZendeskDestination(zendeskWriteClient(credentials, options));
      made.set(system, d);
    }
    return d;
  };
}
