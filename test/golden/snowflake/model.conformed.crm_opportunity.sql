-- conformed.crm_opportunity (view): Every live CRM opportunity (deal) of every CRM in roles.crm, in one shape: what canonical.contract is built from.
CREATE OR REPLACE VIEW "conformed"."crm_opportunity" AS
SELECT system, opportunity_id, account_id, name, amount, currency, is_won, close_date, start_date, end_date, support_tier FROM "conformed"."crm_opportunity__salesforce"
    UNION ALL
    SELECT system, opportunity_id, account_id, name, amount, currency, is_won, close_date, start_date, end_date, support_tier FROM "conformed"."crm_opportunity__hubspot";
