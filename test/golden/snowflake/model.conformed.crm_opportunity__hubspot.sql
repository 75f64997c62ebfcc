-- conformed.crm_opportunity__hubspot (view): hubspot records in the shape of conformed.crm_opportunity.
CREATE OR REPLACE VIEW "conformed"."crm_opportunity__hubspot" AS
SELECT CAST('hubspot' AS varchar) AS system, (d._trueup_payload:"id"::string) AS opportunity_id,
           (d._trueup_payload:"associations":"companies":"results"[0]:"id"::string) AS account_id,
           (d._trueup_payload:"properties":"dealname"::string) AS name, CAST(NULLIF((d._trueup_payload:"properties":"amount"::string), '') AS number(38,10)) AS amount,
           upper(coalesce(NULLIF((d._trueup_payload:"properties":"deal_currency_code"::string), ''), 'USD')) AS currency,
           (coalesce((d._trueup_payload:"properties":"dealstage"::string), '') = 'closedwon') AS is_won, CAST(substr((d._trueup_payload:"properties":"closedate"::string), 1, 10) AS date) AS close_date,
           CAST(substr((d._trueup_payload:"properties":"contract_start_date"::string), 1, 10) AS date) AS start_date, CAST(substr((d._trueup_payload:"properties":"contract_end_date"::string), 1, 10) AS date) AS end_date,
           (d._trueup_payload:"properties":"support_tier"::string) AS support_tier
      FROM (SELECT OBJECT_CONSTRUCT_KEEP_NULL() AS _trueup_payload, CAST(NULL AS boolean) AS _trueup_deleted, CAST(NULL AS varchar) AS _trueup_run_id, CAST(NULL AS timestamp_tz) AS _trueup_loaded_at WHERE 1 = 0) d
     WHERE NOT coalesce(d._trueup_deleted, false) AND coalesce((d._trueup_payload:"archived"::string), 'false') <> 'true';
