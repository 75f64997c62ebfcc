-- conformed.support_organization__zendesk (view): zendesk records in the shape of conformed.support_organization.
CREATE OR REPLACE VIEW "conformed"."support_organization__zendesk" AS
SELECT CAST('zendesk' AS varchar) AS system, CAST(z.id AS text) AS organization_id, (z._trueup_payload:"name"::string) AS name,
           (z._trueup_payload:"domain_names"[0]::string) AS domain, (z._trueup_payload:"external_id"::string) AS crm_account_id,
           (z._trueup_payload:"organization_fields":"support_tier"::string) AS support_tier, CAST((z._trueup_payload:"created_at"::string) AS timestamp_tz) AS created_at
      FROM "staging"."zendesk__organizations" z
     WHERE NOT coalesce(z._trueup_deleted, false);
