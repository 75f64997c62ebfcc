-- conformed.erp_payment__erp_files (view): erp_files records in the shape of conformed.erp_payment.
CREATE OR REPLACE VIEW "conformed"."erp_payment__erp_files" AS
SELECT CAST('erp_file' AS varchar) AS system, p.payment_no AS payment_id, p.customer_no AS customer_id, upper(p.currency) AS currency,
           CAST(p.amount AS number(38,10)) AS amount, CAST(p.payment_date AS date) AS payment_date, NULLIF(p.billing_ref, '') AS external_id
      FROM "staging"."erp_files__payments" p
     WHERE NOT coalesce(p._trueup_deleted, false);
