import {
  hubspotMeanings,
  salesforceMeanings,
  zendeskMeanings,
  type FieldMeanings,
} from "./field-meanings.js";
import type { Config, SyncConfig } from "./schema.js";

const DESTINATION_MEANINGS: Record<SyncConfig["destination"]["system"], FieldMeanings> = {
  salesforce: salesforceMeanings,
  zendesk: zendeskMeanings,
  hubspot: hubspotMeanings,
};

/**
 * Which canonical field a column of a built-in model is. A model column can carry a canonical
 * field under any name (`owner_id` is `customer.owner`); the check follows the meaning.
 */
const MODEL_COLUMN_MEANINGS: Record<string, Record<string, string>> = {
  "canonical.customer": {
    owner_id: "customer.owner",
    name: "customer.legal_name",
    domain: "customer.domain",
  },
  "canonical.customer_health": { billing_status: "customer.billing_status" },
  "canonical.support_tier_corrections": {
    contract_support_tier: "customer.support_tier",
    current_support_tier: "customer.support_tier",
  },
};

/** The canonical field a destination field is, with its system of record, if trueup knows it. */
export function destinationFieldMeaning(
  config: Config,
  system: SyncConfig["destination"]["system"],
  object: string,
  field: string,
): { field: string; owner?: string } | undefined {
  const m = DESTINATION_MEANINGS[system][object]?.[field];
  if (!m) return undefined;
  return { field: m.field, owner: config.ownership[m.field] ?? m.home };
}

/** The canonical field a model column is, with its system of record, if trueup knows it. */
export function modelColumnMeaning(
  config: Config,
  model: string,
  column: string,
): { field: string; owner?: string } | undefined {
  const name = model.includes(".") ? model : `canonical.${model}`;
  const field = MODEL_COLUMN_MEANINGS[name]?.[column];
  if (!field) return undefined;
  return { field, owner: config.ownership[field] };
}

/**
 * Principle 5 by meaning, not by name: a sync may not write a destination field that is its own
 * system's system-of-record field (Salesforce's Account.OwnerId is customer.owner, owned by
 * Salesforce), nor carry a canonical field back into the system that owns it, whatever the model
 * column or the destination field is called. One message per problem, naming the mapping.
 */
export function ownershipProblems(config: Config, sync: SyncConfig): string[] {
  const problems: string[] = [];
  const { system, object } = sync.destination;
  for (const [field, column] of Object.entries(sync.mapping)) {
    const dest = destinationFieldMeaning(config, system, object, field);
    if (dest?.owner === system) {
      problems.push(
        `syncs.${sync.name}.mapping.${field}: ${system} ${object}.${field} is ${dest.field}, whose system of record is ${system} ` +
          `(ownership), so trueup never writes it into ${system}; remove it from the mapping`,
      );
      continue;
    }
    const source = modelColumnMeaning(config, sync.model, column);
    if (source?.owner === system)
      problems.push(
        `syncs.${sync.name}.mapping.${field}: column ${column} of ${sync.model} is ${source.field}, whose system of record is ` +
          `${system} (ownership), so trueup never writes it back into ${system}; map another column`,
      );
  }
  return problems;
}
