-- recon.customers: Customer records duplicated inside one system.
CREATE OR REPLACE TABLE "recon"."customers_detail" AS
SELECT 'duplicate_customer' AS category, r.key, r.customer_id, r.entity, r.left_system, r.left_value, r.right_system, r.right_value, r.delta, r.currency, r.amount_reporting, r.detail FROM (
        SELECT d.system || ':' || d.record_id AS key, d.customer_id, cu.entity, d.system AS left_system, d.name AS left_value,
               d.system AS right_system, o.name AS right_value, CAST(NULL AS number(38,10)) AS delta, NULL AS currency, CAST(NULL AS number(38,10)) AS amount_reporting,
               OBJECT_CONSTRUCT_KEEP_NULL('duplicate_of', o.system || ':' || o.record_id, 'method', d.method) AS detail
          FROM "canonical"."customer_xref" d
          JOIN "canonical"."customer_xref" o ON o.customer_id = d.customer_id AND o.system = d.system AND NOT o.is_duplicate
          LEFT JOIN "canonical"."customer" cu ON cu.customer_id = d.customer_id
         WHERE d.is_duplicate) r;
