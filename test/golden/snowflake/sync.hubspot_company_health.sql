-- sync.hubspot_company_health: change detection
WITH src AS (
       SELECT CAST(m."hubspot_company_id" AS varchar) AS record_id, PARSE_JSON(TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL('trueup_billing_status', m."billing_status", 'trueup_overdue_amount', m."overdue_amount_reporting", 'trueup_last_payment_date', m."last_payment_date", 'trueup_arr', m."arr_reporting", 'trueup_health_score', m."health_score"))) AS payload FROM "canonical"."customer_health" m WHERE CAST(m."hubspot_company_id" AS varchar) IS NOT NULL
         QUALIFY ROW_NUMBER() OVER (PARTITION BY CAST(m."hubspot_company_id" AS varchar) ORDER BY CAST(m."hubspot_company_id" AS varchar)) = 1
     ),
     st AS (SELECT record_id, payload FROM reverse.sync_state WHERE sync = ?),
     f AS (SELECT record_id FROM reverse.failures WHERE sync = ?)
     SELECT s.record_id, s.payload, st.payload AS last, (f.record_id IS NOT NULL) AS retry,
            (SELECT count(*) FROM src) AS total
       FROM src s
       LEFT JOIN st ON st.record_id = s.record_id
       LEFT JOIN f ON f.record_id = s.record_id
      WHERE st.payload IS DISTINCT FROM s.payload OR f.record_id IS NOT NULL
      ORDER BY s.record_id;
