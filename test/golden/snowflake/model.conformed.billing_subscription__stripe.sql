-- conformed.billing_subscription__stripe (view): stripe records in the shape of conformed.billing_subscription.
CREATE OR REPLACE VIEW "conformed"."billing_subscription__stripe" AS
SELECT CAST('stripe' AS varchar) AS system, s.id AS subscription_id, (s._trueup_payload:"customer"::string) AS customer_id, (s._trueup_payload:"status"::string) AS status,
           coalesce(NULLIF((s._trueup_payload:"metadata":"salesforce_opportunity_id"::string), ''), NULLIF((s._trueup_payload:"metadata":"hubspot_deal_id"::string), '')) AS opportunity_id, upper((s._trueup_payload:"currency"::string)) AS currency,
           CAST(CASE WHEN coalesce((s._trueup_payload:"start_date"::string), (s._trueup_payload:"created"::string)) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST(coalesce((s._trueup_payload:"start_date"::string), (s._trueup_payload:"created"::string)) AS number(38,0))) END AS date) AS start_date,
           CASE WHEN (s._trueup_payload:"canceled_at"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((s._trueup_payload:"canceled_at"::string) AS number(38,0))) END AS canceled_at,
           (SELECT sum((CASE WHEN upper((s._trueup_payload:"currency"::string)) IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN CAST((it.value:"price":"unit_amount"::string) AS number(38,10))
    WHEN upper((s._trueup_payload:"currency"::string)) IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN CAST((it.value:"price":"unit_amount"::string) AS number(38,10)) / 1000
    ELSE CAST((it.value:"price":"unit_amount"::string) AS number(38,10)) / 100 END)
                       * coalesce(CAST((it.value:"quantity"::string) AS number(38,10)), 1)
                       * CASE (it.value:"price":"recurring":"interval"::string) WHEN 'year' THEN 1 WHEN 'month' THEN 12 WHEN 'week' THEN 52 WHEN 'day' THEN 365 ELSE 1 END
                       / coalesce(CAST((it.value:"price":"recurring":"interval_count"::string) AS number(38,10)), 1))
              FROM TABLE(FLATTEN(input => s._trueup_payload:"items":"data", outer => false)) it) AS annual_amount
      FROM "staging"."stripe__subscriptions" s
     WHERE NOT coalesce(s._trueup_deleted, false);
