-- conformed.billing_subscription (view): Every live subscription of every billing system in roles.billing, in one shape.
CREATE OR REPLACE VIEW "conformed"."billing_subscription" AS
SELECT system, subscription_id, customer_id, status, opportunity_id, currency, start_date, canceled_at, annual_amount FROM "conformed"."billing_subscription__stripe";
