import type { FieldMeanings } from "../../governance/ownership.js";

/** What Zendesk's own organization fields are, in canonical terms (see salesforce/meanings.ts). */
export const zendeskMeanings: FieldMeanings = {
  organizations: {
    name: { field: "customer.legal_name" },
    domain_names: { field: "customer.domain" },
    "organization_fields.support_tier": { field: "customer.support_tier" },
    "organization_fields.billing_status": { field: "customer.billing_status" },
  },
};
