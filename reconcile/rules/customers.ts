import type { RuleFamily } from "../interfaces.js";

/** Duplicate records inside one system, on canonical.customer_xref. */
export const customerRules: RuleFamily = {
  name: "customers",
  description: "Customer records duplicated inside one system.",
  rules: [
    {
      category: "duplicate_customer",
      description: "Two records in one system for one real customer; the later-created one is the key.",
      sql: (ctx) => `
        SELECT d.system || ':' || d.record_id AS key, d.customer_id, cu.entity, d.system AS left_system, d.name AS left_value,
               d.system AS right_system, o.name AS right_value, ${ctx.d.cast("NULL", "numeric")} AS delta, NULL AS currency, ${ctx.d.cast("NULL", "numeric")} AS amount_reporting,
               ${ctx.d.jsonObject([
                 ["duplicate_of", "o.system || ':' || o.record_id"],
                 ["method", "d.method"],
               ])} AS detail
          FROM ${ctx.ref("customer_xref")} d
          JOIN ${ctx.ref("customer_xref")} o ON o.customer_id = d.customer_id AND o.system = d.system AND NOT o.is_duplicate
          LEFT JOIN ${ctx.ref("customer")} cu ON cu.customer_id = d.customer_id
         WHERE d.is_duplicate`,
    },
  ],
};
