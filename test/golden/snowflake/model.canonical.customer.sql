-- canonical.customer (table): One row per real-world customer, across CRM, billing, both ERPs and support. Field values follow the ownership matrix (survivorship).
CREATE OR REPLACE TABLE "canonical"."customer" AS
WITH named AS (
      SELECT x.customer_id, x.name, row_number() OVER (PARTITION BY x.customer_id ORDER BY CASE x.system WHEN 'netsuite' THEN 0 WHEN 'erp_file' THEN 1 WHEN 'salesforce' THEN 2 WHEN 'stripe' THEN 3 WHEN 'zendesk' THEN 4 ELSE 99 END, x.is_duplicate, x.record_id) AS rn
        FROM "canonical"."customer_xref" x WHERE x.name IS NOT NULL
    ),
    domains AS (
      SELECT x.customer_id, x.domain, row_number() OVER (PARTITION BY x.customer_id ORDER BY CASE x.system WHEN 'salesforce' THEN 0 WHEN 'netsuite' THEN 1 WHEN 'erp_file' THEN 2 WHEN 'stripe' THEN 3 WHEN 'zendesk' THEN 4 ELSE 99 END, x.record_id) AS rn
        FROM "canonical"."customer_xref" x WHERE x.domain IS NOT NULL
    ),
    ids AS (
      SELECT x.customer_id, min(CASE WHEN x.system = 'salesforce' AND NOT x.is_duplicate THEN x.record_id END) AS salesforce_account_id, min(CASE WHEN x.system = 'stripe' AND NOT x.is_duplicate THEN x.record_id END) AS stripe_customer_id,
             min(CASE WHEN x.system = 'netsuite' AND NOT x.is_duplicate THEN x.record_id END) AS netsuite_customer_id, min(CASE WHEN x.system = 'zendesk' AND NOT x.is_duplicate THEN x.record_id END) AS zendesk_organization_id,
             min(CASE WHEN x.system = 'erp_file' AND NOT x.is_duplicate THEN x.record_id END) AS erp_file_customer_id, count(*) AS records, min(x.created_at) AS first_seen_at
        FROM "canonical"."customer_xref" x GROUP BY x.customer_id
    )
    SELECT i.customer_id, nm.name, d.domain,
           coalesce((sc._trueup_payload:"metadata":"entity"::string),
                    CASE WHEN i.netsuite_customer_id IS NOT NULL THEN 'us' WHEN i.erp_file_customer_id IS NOT NULL THEN 'eu' END) AS entity,
           (sa._trueup_payload:"OwnerId"::string) AS owner_id,
           i.salesforce_account_id, i.stripe_customer_id, i.netsuite_customer_id, i.zendesk_organization_id,
           i.erp_file_customer_id, i.records, i.first_seen_at
      FROM ids i
      LEFT JOIN named nm ON nm.customer_id = i.customer_id AND nm.rn = 1
      LEFT JOIN domains d ON d.customer_id = i.customer_id AND d.rn = 1
      LEFT JOIN "staging"."stripe__customers" sc ON sc.id = i.stripe_customer_id
      LEFT JOIN "staging"."salesforce__account" sa ON sa.id = i.salesforce_account_id;
