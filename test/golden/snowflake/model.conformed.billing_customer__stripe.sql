-- conformed.billing_customer__stripe (view): stripe records in the shape of conformed.billing_customer.
CREATE OR REPLACE VIEW "conformed"."billing_customer__stripe" AS
SELECT CAST('stripe' AS varchar) AS system, c.id AS customer_id, (c._trueup_payload:"name"::string) AS name, (c._trueup_payload:"email"::string) AS email,
           coalesce(NULLIF((c._trueup_payload:"metadata":"salesforce_account_id"::string), ''), NULLIF((c._trueup_payload:"metadata":"hubspot_company_id"::string), '')) AS crm_account_id, (c._trueup_payload:"metadata":"entity"::string) AS entity, CASE WHEN (c._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((c._trueup_payload:"created"::string) AS number(38,0))) END AS created_at
      FROM "staging"."stripe__customers" c
     WHERE NOT coalesce(c._trueup_deleted, false) AND coalesce((c._trueup_payload:"deleted"::string), 'false') <> 'true';
