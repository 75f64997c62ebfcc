-- conformed.billing_refund (view): Every live refund of every billing system in roles.billing, in one shape.
CREATE OR REPLACE VIEW "conformed"."billing_refund" AS
SELECT system, refund_id, payment_id, customer_id, number, status, currency, amount, created_at FROM "conformed"."billing_refund__stripe";
