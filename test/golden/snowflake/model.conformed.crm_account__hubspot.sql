-- conformed.crm_account__hubspot (view): hubspot records in the shape of conformed.crm_account.
CREATE OR REPLACE VIEW "conformed"."crm_account__hubspot" AS
SELECT CAST('hubspot' AS varchar) AS system, (c._trueup_payload:"id"::string) AS account_id, (c._trueup_payload:"properties":"name"::string) AS name,
           coalesce(NULLIF((c._trueup_payload:"properties":"website"::string), ''), (c._trueup_payload:"properties":"domain"::string)) AS website,
           NULLIF((c._trueup_payload:"properties":"hs_parent_company_id"::string), '') AS parent_account_id, (c._trueup_payload:"properties":"hubspot_owner_id"::string) AS owner_id,
           CAST((c._trueup_payload:"properties":"createdate"::string) AS timestamp_tz) AS created_at
      FROM (SELECT OBJECT_CONSTRUCT_KEEP_NULL() AS _trueup_payload, CAST(NULL AS boolean) AS _trueup_deleted, CAST(NULL AS varchar) AS _trueup_run_id, CAST(NULL AS timestamp_tz) AS _trueup_loaded_at WHERE 1 = 0) c
     WHERE NOT coalesce(c._trueup_deleted, false) AND coalesce((c._trueup_payload:"archived"::string), 'false') <> 'true';
