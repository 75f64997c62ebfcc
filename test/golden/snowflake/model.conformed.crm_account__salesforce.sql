-- conformed.crm_account__salesforce (view): salesforce records in the shape of conformed.crm_account.
CREATE OR REPLACE VIEW "conformed"."crm_account__salesforce" AS
SELECT CAST('salesforce' AS varchar) AS system, a.id AS account_id, (a._trueup_payload:"Name"::string) AS name, (a._trueup_payload:"Website"::string) AS website,
           NULLIF((a._trueup_payload:"ParentId"::string), '') AS parent_account_id, (a._trueup_payload:"OwnerId"::string) AS owner_id, CAST((a._trueup_payload:"CreatedDate"::string) AS timestamp_tz) AS created_at
      FROM "staging"."salesforce__account" a
     WHERE NOT coalesce(a._trueup_deleted, false) AND coalesce((a._trueup_payload:"IsDeleted"::string), 'false') <> 'true';
