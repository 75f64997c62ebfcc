-- conformed.erp_invoice__erp_files (view): erp_files records in the shape of conformed.erp_invoice.
CREATE OR REPLACE VIEW "conformed"."erp_invoice__erp_files" AS
SELECT CAST('erp_file' AS varchar) AS system, e.invoice_no AS invoice_id, e.invoice_no AS number, e.customer_no AS customer_id, lower(e.status) AS status,
           upper(e.currency) AS currency, CAST(e.gross_amount AS number(38,10)) AS amount, CAST(e.invoice_date AS date) AS invoice_date,
           CAST(e.due_date AS date) AS due_date, NULLIF(e.billing_ref, '') AS external_id, CAST(NULL AS varchar) AS memo
      FROM "staging"."erp_files__invoices" e
     WHERE NOT coalesce(e._trueup_deleted, false);
