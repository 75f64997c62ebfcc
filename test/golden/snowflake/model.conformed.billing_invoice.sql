-- conformed.billing_invoice (view): Every live invoice (drafts included: finalized_at is NULL) of every billing system in roles.billing, in one shape.
CREATE OR REPLACE VIEW "conformed"."billing_invoice" AS
SELECT system, invoice_id, number, customer_id, subscription_id, status, currency, amount, finalized_at, paid_at, due_at, created_at FROM "conformed"."billing_invoice__stripe";
