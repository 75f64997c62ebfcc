-- conformed.crm_opportunity__salesforce (view): salesforce records in the shape of conformed.crm_opportunity.
CREATE OR REPLACE VIEW "conformed"."crm_opportunity__salesforce" AS
SELECT CAST('salesforce' AS varchar) AS system, o.id AS opportunity_id, (o._trueup_payload:"AccountId"::string) AS account_id, (o._trueup_payload:"Name"::string) AS name,
           CAST((o._trueup_payload:"Amount"::string) AS number(38,10)) AS amount, upper(coalesce((o._trueup_payload:"CurrencyIsoCode"::string), 'USD')) AS currency,
           (coalesce((o._trueup_payload:"StageName"::string), '') = 'Closed Won') AS is_won, CAST((o._trueup_payload:"CloseDate"::string) AS date) AS close_date,
           CAST((o._trueup_payload:"Contract_Start_Date__c"::string) AS date) AS start_date, CAST((o._trueup_payload:"Contract_End_Date__c"::string) AS date) AS end_date,
           (o._trueup_payload:"Support_Tier__c"::string) AS support_tier
      FROM "staging"."salesforce__opportunity" o
     WHERE NOT coalesce(o._trueup_deleted, false) AND coalesce((o._trueup_payload:"IsDeleted"::string), 'false') <> 'true';
