import { defineModel } from "../define.js";
import type { ModelContext } from "../interfaces.js";
import { FREE_MAIL, normalizeDomain, normalizeName } from "./sql.js";

/**
 * Identity resolution across the systems. Each record is a node: the customers of every role's
 * systems (conformed.crm_account, billing_customer, erp_customer, support_organization); the CRM
 * accounts anchor the clusters. Edges come from, in order of strength: the link each record
 * holds to its CRM account (crm_account_id: Stripe metadata, NetSuite externalid, Zendesk
 * external_id, the ERP export's crm_account_id); a shared normalized domain (web-mail
 * domains excluded; never across a CRM parent/child pair, never joining records that link to
 * different CRM accounts); and, only for a record with no link and no domain, a normalized name
 * matching exactly one cluster. Clusters are connected components; two customers are never
 * merged on a name alone.
 */
function nodes(ctx: ModelContext): string {
  const nd = (e: string) => normalizeDomain(ctx, e);
  const nn = (e: string) => normalizeName(ctx, e);
  return `
    SELECT a.system, a.account_id AS record_id, a.name, ${nn("a.name")} AS name_key, ${nd("a.website")} AS domain,
           a.account_id AS crm_link, a.parent_account_id AS parent_id, a.created_at, ${ctx.d.cast("true", "boolean")} AS is_anchor
      FROM ${ctx.ref("conformed.crm_account")} a
    UNION ALL
    SELECT b.system, b.customer_id, b.name, ${nn("b.name")}, ${nd("b.email")}, b.crm_account_id, NULL, b.created_at, false
      FROM ${ctx.ref("conformed.billing_customer")} b
    UNION ALL
    SELECT e.system, e.customer_id, e.name, ${nn("e.name")}, coalesce(${nd("e.website")}, ${nd("e.email")}), e.crm_account_id, NULL,
           ${ctx.d.cast("NULL", "timestamptz")}, false
      FROM ${ctx.ref("conformed.erp_customer")} e
    UNION ALL
    SELECT o.system, o.organization_id, o.name, ${nn("o.name")}, ${nd("o.domain")}, NULLIF(o.crm_account_id, ''), NULL,
           o.created_at, false
      FROM ${ctx.ref("conformed.support_organization")} o
`;
}

export const customerXref = defineModel({
  name: "customer_xref",
  materialized: "table",
  uniqueKey: ["system", "record_id"],
  tags: ["identity", "finance", "cs"],
  description:
    "Every customer record of every system, with the canonical customer it belongs to, how it was linked (method) and how sure trueup is (confidence).",
  columns: {
    customer_id: {
      description: "Canonical customer id (stable while the cluster's earliest record stays).",
      tests: ["not_null"],
    },
    system: {
      description:
        "The CRM of the account (salesforce, hubspot, …; see roles.crm), stripe, netsuite, zendesk or erp_file.",
    },
    record_id: { description: "The record's id in its system.", tests: ["not_null"] },
    method: {
      description: "anchor (the CRM account itself), link (a link field), domain, name, or self (no match).",
      tests: [{ accepted_values: ["anchor", "link", "domain", "name", "self"] }],
    },
    confidence: { description: "1.0 for anchor/link/self, 0.9 domain, 0.6 name." },
    is_duplicate: { description: "A later-created second record of the same system for the same customer." },
  },
  sql: (ctx) => {
    const freeMail = FREE_MAIL.map((d) => ctx.d.literal(d)).join(", ");
    return `
    WITH RECURSIVE n AS (
      SELECT system || ':' || record_id AS k, * FROM (${nodes(ctx)}) raw
    ),
    crm AS (SELECT k, record_id, parent_id FROM n WHERE is_anchor),
    link_edges AS (
      SELECT n.k AS a, c.k AS b FROM n JOIN crm c ON c.record_id = n.crm_link WHERE NOT n.is_anchor
    ),
    -- Joins, not per-row subqueries: a subquery under NOT/OR or in a select list is run once per
    -- pair or per record (34 s and 26 s of a 100 s build at scale 10).
    crm_ids AS (SELECT DISTINCT record_id FROM crm),
    dom AS (
      SELECT n.*, (ci.record_id IS NOT NULL) AS links_crm
        FROM n LEFT JOIN crm_ids ci ON ci.record_id = n.crm_link
       WHERE n.domain IS NOT NULL AND n.domain NOT IN (${freeMail})
    ),
    domain_edges AS (
      SELECT x.k AS a, y.k AS b FROM dom x JOIN dom y ON x.domain = y.domain AND x.k < y.k
       WHERE NOT (x.crm_link IS NOT NULL AND y.crm_link IS NOT NULL AND x.crm_link <> y.crm_link
                  AND x.links_crm AND y.links_crm AND (NOT x.is_anchor OR NOT y.is_anchor))
         AND NOT EXISTS (SELECT 1 FROM crm p WHERE p.k = x.k AND p.parent_id = y.record_id)
         AND NOT EXISTS (SELECT 1 FROM crm p WHERE p.k = y.k AND p.parent_id = x.record_id)
    ),
    linked AS (SELECT DISTINCT a AS k FROM link_edges),
    edges AS (
      SELECT a, b FROM link_edges UNION SELECT b, a FROM link_edges
      UNION SELECT a, b FROM domain_edges UNION SELECT b, a FROM domain_edges
    ),
    reach (k, root) AS (
      SELECT k, k FROM n
      UNION
      SELECT e.b, r.root FROM reach r JOIN edges e ON e.a = r.k
    ),
    comp AS (SELECT k, min(root) AS cluster FROM reach GROUP BY k),
    sizes AS (SELECT cluster, count(*) AS size FROM comp GROUP BY cluster),
    -- A record with no link and no domain joins by name only if exactly one multi-record cluster has that name.
    lonely AS (
      SELECT n.k, n.name_key FROM n JOIN comp c ON c.k = n.k JOIN sizes s ON s.cluster = c.cluster
       WHERE s.size = 1 AND n.crm_link IS NULL AND (n.domain IS NULL OR n.domain IN (${freeMail})) AND n.name_key IS NOT NULL
    ),
    name_hits AS (
      SELECT l.k, min(c.cluster) AS cluster FROM lonely l
        JOIN n m ON m.name_key = l.name_key AND m.k <> l.k
        JOIN comp c ON c.k = m.k JOIN sizes s ON s.cluster = c.cluster AND s.size > 1
       GROUP BY l.k HAVING count(DISTINCT c.cluster) = 1
    ),
    final AS (
      SELECT c.k, coalesce(h.cluster, c.cluster) AS cluster, (h.k IS NOT NULL) AS by_name
        FROM comp c LEFT JOIN name_hits h ON h.k = c.k
    )
    SELECT 'cus_' || substr(md5(x.cluster), 1, 16) AS customer_id,
           x.system, x.record_id, x.name, x.domain, x.created_at,
           CASE WHEN x.is_anchor THEN 'anchor' WHEN x.by_name THEN 'name' WHEN x.linked THEN 'link'
                WHEN x.cluster_size > 1 THEN 'domain' ELSE 'self' END AS method,
           CASE WHEN x.by_name THEN 0.6 WHEN NOT x.is_anchor AND NOT x.linked AND x.cluster_size > 1 THEN 0.9
                ELSE 1.0 END AS confidence,
           row_number() OVER (PARTITION BY x.cluster, x.system ORDER BY x.created_at NULLS LAST, length(x.record_id), x.record_id) > 1
             AS is_duplicate
      FROM (
        SELECT n.*, f.cluster, f.by_name, count(*) OVER (PARTITION BY f.cluster) AS cluster_size,
               (le.k IS NOT NULL) AS linked
          FROM final f JOIN n ON n.k = f.k LEFT JOIN linked le ON le.k = n.k
      ) x`;
  },
});
