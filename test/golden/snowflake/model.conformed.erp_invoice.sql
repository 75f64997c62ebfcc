-- conformed.erp_invoice (view): Every live customer invoice of every ERP in roles.erp, in one shape.
CREATE OR REPLACE VIEW "conformed"."erp_invoice" AS
SELECT system, invoice_id, number, customer_id, status, currency, amount, invoice_date, due_date, external_id, memo FROM "conformed"."erp_invoice__netsuite"
    UNION ALL
    SELECT system, invoice_id, number, customer_id, status, currency, amount, invoice_date, due_date, external_id, memo FROM "conformed"."erp_invoice__erp_files";
