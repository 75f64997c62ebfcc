-- conformed.erp_payment (view): Every live customer payment of every ERP in roles.erp, in one shape.
CREATE OR REPLACE VIEW "conformed"."erp_payment" AS
SELECT system, payment_id, customer_id, currency, amount, payment_date, external_id FROM "conformed"."erp_payment__netsuite"
    UNION ALL
    SELECT system, payment_id, customer_id, currency, amount, payment_date, external_id FROM "conformed"."erp_payment__erp_files";
