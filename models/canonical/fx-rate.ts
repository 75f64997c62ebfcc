import { defineModel } from "../define.js";

export const fxRate = defineModel({
  name: "fx_rate",
  materialized: "table",
  uniqueKey: ["rate_date", "currency"],
  tags: ["finance", "reference"],
  description:
    "Daily exchange rates as USD per unit, from FX_RATES_FILE, one row per day and currency; amounts in another reporting currency use the cross rate.",
  columns: {
    rate_date: { description: "Day the rate applies to.", tests: ["not_null"] },
    currency: { description: "ISO 4217 code, upper case.", tests: ["not_null"] },
    usd_per_unit: { description: "USD per one unit of the currency.", tests: ["not_null"] },
  },
  sql: (ctx) => `
    SELECT CAST(r.date AS date) AS rate_date, upper(r.currency) AS currency, ${ctx.d.cast("r.usd_per_unit", "numeric")} AS usd_per_unit
      FROM ${ctx.source("reference", "fx_rates")} r
     WHERE NOT r._trueup_deleted`,
});
