-- conformed.erp_invoice__netsuite (view): netsuite records in the shape of conformed.erp_invoice.
CREATE OR REPLACE VIEW "conformed"."erp_invoice__netsuite" AS
SELECT system, id AS invoice_id, number, customer_id, status, currency, amount, posted_on AS invoice_date, due_date, external_id, memo
      FROM (
    SELECT CAST('netsuite' AS varchar) AS system, t.id, (t._trueup_payload:"entity"::string) AS customer_id,
           coalesce(cur.code, upper((t._trueup_payload:"currency"::string))) AS currency, CAST(t.trandate AS date) AS posted_on,
           NULLIF((t._trueup_payload:"externalid"::string), '') AS external_id, (t._trueup_payload:"tranid"::string) AS number, (t._trueup_payload:"memo"::string) AS memo, CAST(t.duedate AS date) AS due_date,
           CAST(t.foreigntotal AS number(38,10)) AS amount,
           CASE (t._trueup_payload:"status"::string) WHEN 'A' THEN 'open' WHEN 'B' THEN 'paid' WHEN 'V' THEN 'void' ELSE lower((t._trueup_payload:"status"::string)) END AS status
      FROM "staging"."netsuite__transaction" t
      LEFT JOIN (SELECT c.id, upper((c._trueup_payload:"symbol"::string)) AS code FROM "staging"."netsuite__currency" c WHERE NOT coalesce(c._trueup_deleted, false)) cur
        ON cur.id = (t._trueup_payload:"currency"::string)
     WHERE NOT coalesce(t._trueup_deleted, false) AND (t._trueup_payload:"type"::string) IN ('CustInvc')) ns;
