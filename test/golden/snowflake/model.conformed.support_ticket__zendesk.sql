-- conformed.support_ticket__zendesk (view): zendesk records in the shape of conformed.support_ticket.
CREATE OR REPLACE VIEW "conformed"."support_ticket__zendesk" AS
SELECT CAST('zendesk' AS varchar) AS system, CAST(t.id AS text) AS ticket_id, (t._trueup_payload:"organization_id"::string) AS organization_id,
           (t._trueup_payload:"status"::string) AS status, (t._trueup_payload:"priority"::string) AS priority, CAST((t._trueup_payload:"created_at"::string) AS timestamp_tz) AS created_at
      FROM "staging"."zendesk__tickets" t
     WHERE NOT coalesce(t._trueup_deleted, false);
