-- conformed.billing_credit_note (view): Every live credit note of every billing system in roles.billing, in one shape.
CREATE OR REPLACE VIEW "conformed"."billing_credit_note" AS
SELECT system, credit_note_id, invoice_id, customer_id, number, status, currency, amount, created_at FROM "conformed"."billing_credit_note__stripe";
