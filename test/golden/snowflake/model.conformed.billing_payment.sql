-- conformed.billing_payment (view): Every live payment (charge), whatever its status of every billing system in roles.billing, in one shape.
CREATE OR REPLACE VIEW "conformed"."billing_payment" AS
SELECT system, payment_id, customer_id, invoice_id, status, currency, amount, refunded, paid_at FROM "conformed"."billing_payment__stripe";
