/**
 * The fields Zendesk Support's API returns for the objects a world holds. Sources: Zendesk's API
 * reference, developer.zendesk.com/api-reference/ticketing/tickets/tickets ("Show Ticket" response
 * example and JSON format; `generated_timestamp` from the incremental ticket export) and
 * developer.zendesk.com/api-reference/ticketing/organizations/organizations (JSON format),
 * cross-checked with the field lists of NangoHQ/integration-templates (integrations/zendesk).
 * Write-only properties (comment, email_ccs, collaborators, safe_update, …) are not returned.
 */
export const ZENDESK_FIELDS_SOURCE =
  "Zendesk API reference: tickets (Show Ticket example, incremental export), organizations (JSON format)";

export const ZENDESK_FIELDS: Readonly<Record<"tickets" | "organizations", readonly string[]>> = {
  tickets: [
    "url",
    "id",
    "external_id",
    "via",
    "created_at",
    "updated_at",
    "generated_timestamp",
    "type",
    "subject",
    "raw_subject",
    "description",
    "priority",
    "status",
    "recipient",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
    "forum_topic_id",
    "problem_id",
    "has_incidents",
    "is_public",
    "due_at",
    "tags",
    "custom_fields",
    "satisfaction_rating",
    "sharing_agreement_ids",
    "custom_status_id",
    "fields",
    "followup_ids",
    "ticket_form_id",
    "brand_id",
    "allow_channelback",
    "allow_attachments",
    "from_messaging_channel",
  ],
  organizations: [
    "url",
    "id",
    "name",
    "shared_tickets",
    "shared_comments",
    "external_id",
    "created_at",
    "updated_at",
    "domain_names",
    "details",
    "notes",
    "group_id",
    "tags",
    "organization_fields",
  ],
};
