-- canonical.support_tier_corrections (view): Support organizations whose support tier differs from the tier of the customer's active contract ('none' without one).
CREATE OR REPLACE VIEW "canonical"."support_tier_corrections" AS
WITH active AS (
      SELECT customer_id, support_tier, contract_id,
             row_number() OVER (PARTITION BY customer_id ORDER BY start_date DESC NULLS LAST, contract_id) AS r
        FROM "canonical"."contract" WHERE is_active
    )
    SELECT c.customer_id, x.record_id AS zendesk_organization_id,
           o.support_tier AS current_support_tier,
           coalesce(a.support_tier, 'none') AS contract_support_tier, a.contract_id, o.system AS support_system
      FROM "canonical"."customer_xref" x
      JOIN "canonical"."customer" c ON c.customer_id = x.customer_id
      JOIN "conformed"."support_organization" o ON o.system = x.system AND o.organization_id = x.record_id
      LEFT JOIN active a ON a.customer_id = c.customer_id AND a.r = 1
     WHERE NOT x.is_duplicate
       AND coalesce(o.support_tier, 'none') <> coalesce(a.support_tier, 'none');
