-- conformed.erp_customer__erp_files (view): erp_files records in the shape of conformed.erp_customer.
CREATE OR REPLACE VIEW "conformed"."erp_customer__erp_files" AS
SELECT CAST('erp_file' AS varchar) AS system, e.customer_no AS customer_id, e.name, e.email_domain AS website, CAST(NULL AS varchar) AS email,
           NULLIF(e.crm_account_id, '') AS crm_account_id, CAST('eu' AS varchar) AS entity
      FROM "staging"."erp_files__customers" e
     WHERE NOT coalesce(e._trueup_deleted, false);
