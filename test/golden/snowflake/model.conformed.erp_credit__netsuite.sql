-- conformed.erp_credit__netsuite (view): netsuite records in the shape of conformed.erp_credit.
CREATE OR REPLACE VIEW "conformed"."erp_credit__netsuite" AS
SELECT system, id AS credit_id, kind, customer_id, currency, amount, posted_on AS credit_date, external_id, memo
      FROM (
    SELECT CAST('netsuite' AS varchar) AS system, t.id, (t._trueup_payload:"entity"::string) AS customer_id,
           coalesce(cur.code, upper((t._trueup_payload:"currency"::string))) AS currency, CAST(t.trandate AS date) AS posted_on,
           NULLIF((t._trueup_payload:"externalid"::string), '') AS external_id, CASE (t._trueup_payload:"type"::string) WHEN 'CustRfnd' THEN 'refund' ELSE 'credit_note' END AS kind, (t._trueup_payload:"memo"::string) AS memo,
           abs(CAST(t.foreigntotal AS number(38,10))) AS amount
      FROM "staging"."netsuite__transaction" t
      LEFT JOIN (SELECT c.id, upper((c._trueup_payload:"symbol"::string)) AS code FROM "staging"."netsuite__currency" c WHERE NOT coalesce(c._trueup_deleted, false)) cur
        ON cur.id = (t._trueup_payload:"currency"::string)
     WHERE NOT coalesce(t._trueup_deleted, false) AND (t._trueup_payload:"type"::string) IN ('CustRfnd', 'CustCred')) ns;
