-- conformed.support_organization (view): Every live organization of every support system in roles.support, in one shape.
CREATE OR REPLACE VIEW "conformed"."support_organization" AS
SELECT system, organization_id, name, domain, crm_account_id, support_tier, created_at FROM "conformed"."support_organization__zendesk";
