import { ConfigError } from "../core/errors.js";
import { ownershipProblems } from "./ownership.js";
import type { Config } from "./schema.js";

/**
 * Rules that span sections and so cannot live in the zod schema: a sync may only write fields
 * on its destination's allow-list, and never a field whose system of record is the destination
 * itself (principle 5), judged by what the destination field and the model column are in
 * canonical terms, not by their names. Refused at load time, naming the field.
 */
export function validateGovernance(config: Config, source: string): void {
  const problems: string[] = [];
  for (const s of config.syncs) {
    const allowed = config.writable[s.destination.system]?.[s.destination.object];
    for (const field of Object.keys(s.mapping)) {
      if (!allowed || !allowed.includes(field)) {
        problems.push(
          `syncs.${s.name}.mapping.${field}: ${s.destination.system} ${s.destination.object}.${field} is not on the ` +
            `allow-list (writable.${s.destination.system}.${s.destination.object}); add it there if trueup may write it`,
        );
      }
    }
    problems.push(...ownershipProblems(config, s));
    if (s.destination.system === "hubspot" && s.mode !== "update")
      problems.push(
        `syncs.${s.name}.mode: the HubSpot destination updates existing records by their id, so its syncs ` +
          `run in mode update (${s.mode} is not supported)`,
      );
  }
  for (const s of config.syncs) {
    if (s.mode === "update") continue;
    const key = s.matchKey.field;
    if (key === "Id" || key === "id") {
      problems.push(
        `syncs.${s.name}.matchKey.field: mode ${s.mode} creates records, so it must match on an external-id field ` +
          `(Salesforce: an external id custom field; Zendesk: external_id), not the destination's own ${key}`,
      );
    } else if (!config.writable[s.destination.system]?.[s.destination.object]?.includes(key)) {
      problems.push(
        `syncs.${s.name}.matchKey.field: mode ${s.mode} writes ${key} on the records it creates, so ` +
          `${s.destination.system} ${s.destination.object}.${key} must be on the allow-list ` +
          `(writable.${s.destination.system}.${s.destination.object})`,
      );
    }
    if (s.requiresApproval && s.mode === "mirror")
      problems.push(
        `syncs.${s.name}: mirror mode cannot require approval (deletions are not correction plans)`,
      );
  }
  const names = new Set<string>();
  for (const s of config.syncs) {
    if (names.has(s.name)) problems.push(`syncs: the name ${s.name} is used twice`);
    names.add(s.name);
  }
  if (problems.length)
    throw new ConfigError(`invalid configuration in ${source}:\n  ${problems.join("\n  ")}`);
}
