-- canonical.support_tier_corrections (view): Support organizations whose support tier differs from the tier of the customer's active contract ('none' without one).
CREATE OR REPLACE VIEW "canonical"."support_tier_corrections" AS
WITH active AS (
      SELECT customer_id, support_tier, contract_id,
             row_number() OVER (PARTITION BY customer_id ORDER BY start_date DESC NULLS LAST, contract_id) AS r
        FROM "canonical"."contract" WHERE is_active
    )
    SELECT c.customer_id, x.record_id AS zendesk_organization_id,
           (z._trueup_payload:"organization_fields":"support_tier"::string) AS current_support_tier,
           coalesce(a.support_tier, 'none') AS contract_support_tier, a.contract_id
      FROM "canonical"."customer_xref" x
      JOIN "canonical"."customer" c ON c.customer_id = x.customer_id
      JOIN "staging"."zendesk__organizations" z ON CAST(z.id AS text) = x.record_id AND NOT coalesce(z._trueup_deleted, false)
      LEFT JOIN active a ON a.customer_id = c.customer_id AND a.r = 1
     WHERE x.system = 'zendesk' AND NOT x.is_duplicate
       AND coalesce((z._trueup_payload:"organization_fields":"support_tier"::string), 'none') <> coalesce(a.support_tier, 'none');
