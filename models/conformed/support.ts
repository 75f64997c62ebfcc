import { field, live } from "../canonical/sql.js";
import type { ColumnDoc, ModelDefinition } from "../interfaces.js";
import { mapping, stagingRows, systemColumn, ts, type RelationSpec, union } from "./role.js";

/**
 * The support role of the conformed layer: `conformed.support_organization` and
 * `conformed.support_ticket`, whichever help desk fills `roles.support` (Zendesk built in).
 */

const ORGANIZATION_COLUMNS: Record<string, ColumnDoc> = {
  system: { description: "The support system the organization is in (zendesk, or a system of your own)." },
  organization_id: { description: "The organization's id in its system, as text.", tests: ["not_null"] },
  name: { description: "Organization name." },
  domain: {
    description: "Its first email domain, as the system holds it (normalized by identity resolution).",
  },
  crm_account_id: { description: "The CRM account it names (Zendesk external_id), if any." },
  support_tier: { description: "The support tier the organization is set to: none, standard or premium." },
  created_at: { description: "When the organization was created." },
};

const TICKET_COLUMNS: Record<string, ColumnDoc> = {
  system: { description: "The support system the ticket is in." },
  ticket_id: { description: "The ticket's id in its system, as text.", tests: ["not_null"] },
  organization_id: { description: "The organization it belongs to, in the same system." },
  status: { description: "new, open, pending, hold, solved or closed." },
  priority: { description: "low, normal, high or urgent." },
  created_at: { description: "When the ticket was created." },
};

const ORGANIZATION: RelationSpec = {
  role: "support",
  name: "support_organization",
  columns: ORGANIZATION_COLUMNS,
};
const TICKET: RelationSpec = { role: "support", name: "support_ticket", columns: TICKET_COLUMNS };

export const supportOrganizationZendesk = mapping(ORGANIZATION, "zendesk", (ctx) => {
  const f = (...k: string[]) => field(ctx, "z", ...k);
  return `
    SELECT ${systemColumn(ctx, "zendesk")}, CAST(z.id AS text) AS organization_id, ${f("name")} AS name,
           ${ctx.d.jsonPath("z._trueup_payload", ["domain_names", 0])} AS domain, ${f("external_id")} AS crm_account_id,
           ${f("organization_fields", "support_tier")} AS support_tier, ${ts(ctx, f("created_at"))} AS created_at
      FROM ${stagingRows(ctx, "zendesk", "organizations")} z
     WHERE ${live("z")}`;
});

export const supportTicketZendesk = mapping(TICKET, "zendesk", (ctx) => {
  const f = (k: string) => field(ctx, "t", k);
  return `
    SELECT ${systemColumn(ctx, "zendesk")}, CAST(t.id AS text) AS ticket_id, ${f("organization_id")} AS organization_id,
           ${f("status")} AS status, ${f("priority")} AS priority, ${ts(ctx, f("created_at"))} AS created_at
      FROM ${stagingRows(ctx, "zendesk", "tickets")} t
     WHERE ${live("t")}`;
});

export const supportOrganization = union(
  ORGANIZATION,
  "Every live organization of every support system in roles.support, in one shape.",
);
export const supportTicket = union(
  TICKET,
  "Every live ticket of every support system in roles.support, in one shape.",
);

export const supportModels: ModelDefinition[] = [
  supportOrganizationZendesk,
  supportOrganization,
  supportTicketZendesk,
  supportTicket,
];
