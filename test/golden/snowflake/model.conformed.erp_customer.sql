-- conformed.erp_customer (view): Every live customer of every ERP in roles.erp, in one shape.
CREATE OR REPLACE VIEW "conformed"."erp_customer" AS
SELECT system, customer_id, name, website, email, crm_account_id, entity FROM "conformed"."erp_customer__netsuite"
    UNION ALL
    SELECT system, customer_id, name, website, email, crm_account_id, entity FROM "conformed"."erp_customer__erp_files";
