-- conformed.erp_customer__netsuite (view): netsuite records in the shape of conformed.erp_customer.
CREATE OR REPLACE VIEW "conformed"."erp_customer__netsuite" AS
SELECT CAST('netsuite' AS varchar) AS system, n.id AS customer_id, coalesce((n._trueup_payload:"companyname"::string), (n._trueup_payload:"entityid"::string)) AS name,
           (n._trueup_payload:"url"::string) AS website, (n._trueup_payload:"email"::string) AS email, NULLIF((n._trueup_payload:"externalid"::string), '') AS crm_account_id,
           CAST('us' AS varchar) AS entity
      FROM "staging"."netsuite__customer" n
     WHERE NOT coalesce(n._trueup_deleted, false);
