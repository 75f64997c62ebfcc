-- conformed.erp_credit (view): Every live customer refund and credit memo of every ERP in roles.erp, in one shape.
CREATE OR REPLACE VIEW "conformed"."erp_credit" AS
SELECT system, credit_id, kind, customer_id, currency, amount, credit_date, external_id, memo FROM "conformed"."erp_credit__netsuite"
    UNION ALL
    SELECT system, credit_id, kind, customer_id, currency, amount, credit_date, external_id, memo FROM "conformed"."erp_credit__erp_files";
