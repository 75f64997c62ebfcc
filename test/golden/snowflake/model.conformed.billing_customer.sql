-- conformed.billing_customer (view): Every live customer of every billing system in roles.billing, in one shape.
CREATE OR REPLACE VIEW "conformed"."billing_customer" AS
SELECT system, customer_id, name, email, crm_account_id, entity, created_at FROM "conformed"."billing_customer__stripe";
