-- canonical.customer_xref (table): Every customer record of every system, with the canonical customer it belongs to, how it was linked (method) and how sure trueup is (confidence).
CREATE OR REPLACE TABLE "canonical"."customer_xref" AS
WITH RECURSIVE n AS (
      SELECT system || ':' || record_id AS k, * FROM (
    SELECT 'salesforce' AS system, a.id AS record_id, (a._trueup_payload:"Name"::string) AS name, NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower((a._trueup_payload:"Name"::string)), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), '') AS name_key,
           NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN (a._trueup_payload:"Website"::string) LIKE '%@%' THEN substr((a._trueup_payload:"Website"::string), position('@' IN (a._trueup_payload:"Website"::string)) + 1) ELSE (a._trueup_payload:"Website"::string) END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), '') AS domain, a.id AS sf_link, NULLIF((a._trueup_payload:"ParentId"::string), '') AS parent_id,
           CAST((a._trueup_payload:"CreatedDate"::string) AS timestamp_tz) AS created_at
      FROM "staging"."salesforce__account" a
     WHERE NOT coalesce(a._trueup_deleted, false) AND coalesce((a._trueup_payload:"IsDeleted"::string), 'false') <> 'true'
    UNION ALL
    SELECT 'stripe', c.id, (c._trueup_payload:"name"::string), NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower((c._trueup_payload:"name"::string)), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''), NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN (c._trueup_payload:"email"::string) LIKE '%@%' THEN substr((c._trueup_payload:"email"::string), position('@' IN (c._trueup_payload:"email"::string)) + 1) ELSE (c._trueup_payload:"email"::string) END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''),
           NULLIF((c._trueup_payload:"metadata":"salesforce_account_id"::string), ''), NULL, CASE WHEN (c._trueup_payload:"created"::string) IS NULL THEN NULL ELSE TO_TIMESTAMP_TZ(CAST((c._trueup_payload:"created"::string) AS number(38,0))) END
      FROM "staging"."stripe__customers" c
     WHERE NOT coalesce(c._trueup_deleted, false) AND coalesce((c._trueup_payload:"deleted"::string), 'false') <> 'true'
    UNION ALL
    SELECT 'netsuite', n.id, coalesce((n._trueup_payload:"companyname"::string), (n._trueup_payload:"entityid"::string)),
           NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower(coalesce((n._trueup_payload:"companyname"::string), (n._trueup_payload:"entityid"::string))), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''),
           coalesce(NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN (n._trueup_payload:"url"::string) LIKE '%@%' THEN substr((n._trueup_payload:"url"::string), position('@' IN (n._trueup_payload:"url"::string)) + 1) ELSE (n._trueup_payload:"url"::string) END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''), NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN (n._trueup_payload:"email"::string) LIKE '%@%' THEN substr((n._trueup_payload:"email"::string), position('@' IN (n._trueup_payload:"email"::string)) + 1) ELSE (n._trueup_payload:"email"::string) END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), '')), NULLIF((n._trueup_payload:"externalid"::string), ''), NULL,
           CAST(NULL AS timestamp_tz)
      FROM "staging"."netsuite__customer" n
     WHERE NOT coalesce(n._trueup_deleted, false)
    UNION ALL
    SELECT 'zendesk', CAST(z.id AS text), (z._trueup_payload:"name"::string), NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower((z._trueup_payload:"name"::string)), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''),
           NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN (z._trueup_payload:"domain_names"[0]::string) LIKE '%@%' THEN substr((z._trueup_payload:"domain_names"[0]::string), position('@' IN (z._trueup_payload:"domain_names"[0]::string)) + 1) ELSE (z._trueup_payload:"domain_names"[0]::string) END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''), NULLIF((z._trueup_payload:"external_id"::string), ''), NULL,
           CAST((z._trueup_payload:"created_at"::string) AS timestamp_tz)
      FROM "staging"."zendesk__organizations" z
     WHERE NOT coalesce(z._trueup_deleted, false)
    UNION ALL
    SELECT 'erp_file', e.customer_no, e.name, NULLIF(trim(REGEXP_REPLACE(REGEXP_REPLACE( REGEXP_REPLACE(lower(e.name), '[^a-z0-9 ]+', ' ', 1, 0, 'i') , ' (incorporated|inc|corporation|corp|company|co|limited|ltd|llc|gmbh|ag|sa|sas|bv|nv|plc|kk|group|the) ', ' ', 1, 0, 'i'), ' +', ' ', 1, 0, 'i')), ''), NULLIF(REGEXP_REPLACE(REGEXP_REPLACE(lower(trim(CASE WHEN e.email_domain LIKE '%@%' THEN substr(e.email_domain, position('@' IN e.email_domain) + 1) ELSE e.email_domain END)), '^(https?://)?(www\\.)?', '', 1, 0, 'i'), '[/:?#].*$', '', 1, 0, 'i'), ''), NULLIF(e.crm_account_id, ''), NULL, NULL
      FROM "staging"."erp_files__customers" e
     WHERE NOT coalesce(e._trueup_deleted, false)) raw
    ),
    sf AS (SELECT record_id, parent_id FROM n WHERE system = 'salesforce'),
    link_edges AS (
      SELECT n.k AS a, 'salesforce:' || n.sf_link AS b FROM n
       WHERE n.system <> 'salesforce' AND n.sf_link IS NOT NULL AND EXISTS (SELECT 1 FROM sf WHERE sf.record_id = n.sf_link)
    ),
    dom AS (SELECT * FROM n WHERE domain IS NOT NULL AND domain NOT IN ('gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'qq.com')),
    domain_edges AS (
      SELECT x.k AS a, y.k AS b FROM dom x JOIN dom y ON x.domain = y.domain AND x.k < y.k
       WHERE NOT (x.sf_link IS NOT NULL AND y.sf_link IS NOT NULL AND x.sf_link <> y.sf_link
                  AND EXISTS (SELECT 1 FROM sf WHERE sf.record_id = x.sf_link) AND EXISTS (SELECT 1 FROM sf WHERE sf.record_id = y.sf_link)
                  AND (x.system <> 'salesforce' OR y.system <> 'salesforce'))
         AND NOT EXISTS (SELECT 1 FROM sf p WHERE (p.record_id = x.record_id AND p.parent_id = y.record_id)
                                              OR (p.record_id = y.record_id AND p.parent_id = x.record_id))
    ),
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
       WHERE s.size = 1 AND n.sf_link IS NULL AND (n.domain IS NULL OR n.domain IN ('gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'qq.com')) AND n.name_key IS NOT NULL
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
           CASE WHEN x.system = 'salesforce' THEN 'anchor' WHEN x.by_name THEN 'name' WHEN x.linked THEN 'link'
                WHEN x.cluster_size > 1 THEN 'domain' ELSE 'self' END AS method,
           CASE WHEN x.by_name THEN 0.6 WHEN x.system <> 'salesforce' AND NOT x.linked AND x.cluster_size > 1 THEN 0.9
                ELSE 1.0 END AS confidence,
           row_number() OVER (PARTITION BY x.cluster, x.system ORDER BY x.created_at NULLS LAST, length(x.record_id), x.record_id) > 1
             AS is_duplicate
      FROM (
        SELECT n.*, f.cluster, f.by_name, count(*) OVER (PARTITION BY f.cluster) AS cluster_size,
               (n.k IN (SELECT a FROM link_edges)) AS linked
          FROM final f JOIN n ON n.k = f.k
      ) x;
