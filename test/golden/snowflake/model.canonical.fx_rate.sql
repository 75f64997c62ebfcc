-- canonical.fx_rate (table): Daily exchange rates as USD per unit, from FX_RATES_FILE, one row per day and currency; amounts in another reporting currency use the cross rate.
CREATE OR REPLACE TABLE "canonical"."fx_rate" AS
SELECT CAST(r.date AS date) AS rate_date, upper(r.currency) AS currency, CAST(r.usd_per_unit AS number(38,10)) AS usd_per_unit
      FROM "staging"."reference__fx_rates" r
     WHERE NOT r._trueup_deleted;
