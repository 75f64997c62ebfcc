-- conformed.erp_credit__erp_files (view): erp_files records in the shape of conformed.erp_credit.
CREATE OR REPLACE VIEW "conformed"."erp_credit__erp_files" AS
SELECT CAST('erp_file' AS varchar) AS system, e.credit_no AS credit_id, lower(e.type) AS kind, e.customer_no AS customer_id, upper(e.currency) AS currency,
           abs(CAST(e.gross_amount AS number(38,10))) AS amount, CAST(e.credit_date AS date) AS credit_date,
           NULLIF(e.billing_ref, '') AS external_id, CAST(NULL AS varchar) AS memo
      FROM "staging"."erp_files__credits" e
     WHERE NOT coalesce(e._trueup_deleted, false) AND lower(e.type) IN ('refund', 'credit_note');
