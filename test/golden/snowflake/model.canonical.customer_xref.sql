-- canonical.customer_xref (table): Every customer record of every system, with the canonical customer it belongs to, how it was linked (method) and how sure trueup is (confidence).
CREATE OR REPLACE TABLE "canonical"."customer_xref" AS
WITH RECURSIVE n AS (
      SELECT system || ':' || record_id AS k, * FROM (
    SELECT a.system, a.account_id AS record_id, a.name, NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower(a.name), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), '') AS name_key, NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN a.website LIKE '%@%' THEN substr(a.website, position('@' IN a.website) + 1) ELSE a.website END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), '') AS domain,
           a.account_id AS crm_link, a.parent_account_id AS parent_id, a.created_at, CAST(true AS boolean) AS is_anchor
      FROM "conformed"."crm_account" a
    UNION ALL
    SELECT b.system, b.customer_id, b.name, NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower(b.name), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''), NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN b.email LIKE '%@%' THEN substr(b.email, position('@' IN b.email) + 1) ELSE b.email END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''), b.crm_account_id, NULL, b.created_at, false
      FROM "conformed"."billing_customer" b
    UNION ALL
    SELECT e.system, e.customer_id, e.name, NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower(e.name), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''), coalesce(NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN e.website LIKE '%@%' THEN substr(e.website, position('@' IN e.website) + 1) ELSE e.website END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''), NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN e.email LIKE '%@%' THEN substr(e.email, position('@' IN e.email) + 1) ELSE e.email END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), '')), e.crm_account_id, NULL,
           CAST(NULL AS timestamp_tz), false
      FROM "conformed"."erp_customer" e
    UNION ALL
    SELECT o.system, o.organization_id, o.name, NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower(o.name), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''), NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN o.domain LIKE '%@%' THEN substr(o.domain, position('@' IN o.domain) + 1) ELSE o.domain END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''), NULLIF(o.crm_account_id, ''), NULL,
           o.created_at, false
      FROM "conformed"."support_organization" o
) raw
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
       WHERE n.domain IS NOT NULL AND n.domain NOT IN ('gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'qq.com')
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
       WHERE s.size = 1 AND n.crm_link IS NULL AND (n.domain IS NULL OR n.domain IN ('gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'qq.com')) AND n.name_key IS NOT NULL
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
      ) x;
