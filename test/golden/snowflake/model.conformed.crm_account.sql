-- conformed.crm_account (view): Every live CRM account of every CRM in roles.crm, in one shape: what identity resolution anchors customers on.
CREATE OR REPLACE VIEW "conformed"."crm_account" AS
SELECT system, account_id, name, website, parent_account_id, owner_id, created_at FROM "conformed"."crm_account__salesforce"
    UNION ALL
    SELECT system, account_id, name, website, parent_account_id, owner_id, created_at FROM "conformed"."crm_account__hubspot";
