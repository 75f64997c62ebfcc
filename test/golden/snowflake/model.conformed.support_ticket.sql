-- conformed.support_ticket (view): Every live ticket of every support system in roles.support, in one shape.
CREATE OR REPLACE VIEW "conformed"."support_ticket" AS
SELECT system, ticket_id, organization_id, status, priority, created_at FROM "conformed"."support_ticket__zendesk";
