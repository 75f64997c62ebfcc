-- canonical.customer (table): One row per real-world customer, across CRM, billing, both ERPs and support. Field values follow the ownership matrix (survivorship).
CREATE OR REPLACE TABLE "canonical"."customer" AS
WITH named AS (
      SELECT x.customer_id, x.name, row_number() OVER (PARTITION BY x.customer_id ORDER BY CASE x.system WHEN 'netsuite' THEN 0 WHEN 'erp_file' THEN 1 WHEN 'salesforce' THEN 2 WHEN 'hubspot' THEN 3 WHEN 'stripe' THEN 4 WHEN 'zendesk' THEN 5 ELSE 99 END, x.is_duplicate, x.record_id) AS rn
        FROM "canonical"."customer_xref" x WHERE x.name IS NOT NULL
    ),
    domains AS (
      SELECT x.customer_id, x.domain, row_number() OVER (PARTITION BY x.customer_id ORDER BY CASE x.system WHEN 'salesforce' THEN 0 WHEN 'hubspot' THEN 1 WHEN 'netsuite' THEN 2 WHEN 'erp_file' THEN 3 WHEN 'stripe' THEN 4 WHEN 'zendesk' THEN 5 ELSE 99 END, x.record_id) AS rn
        FROM "canonical"."customer_xref" x WHERE x.domain IS NOT NULL
    ),
    ids AS (
      SELECT x.customer_id, min(CASE WHEN x.system = 'salesforce' AND NOT x.is_duplicate THEN x.record_id END) AS salesforce_account_id, min(CASE WHEN x.system = 'hubspot' AND NOT x.is_duplicate THEN x.record_id END) AS hubspot_company_id,
             CASE WHEN min(CASE WHEN x.system = 'salesforce' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN 'salesforce' WHEN min(CASE WHEN x.system = 'hubspot' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN 'hubspot' END AS crm_system, CASE WHEN min(CASE WHEN x.system = 'salesforce' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN min(CASE WHEN x.system = 'salesforce' AND NOT x.is_duplicate THEN x.record_id END) WHEN min(CASE WHEN x.system = 'hubspot' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN min(CASE WHEN x.system = 'hubspot' AND NOT x.is_duplicate THEN x.record_id END) END AS crm_account_id,
             CASE WHEN min(CASE WHEN x.system = 'stripe' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN 'stripe' END AS billing_system, CASE WHEN min(CASE WHEN x.system = 'stripe' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN min(CASE WHEN x.system = 'stripe' AND NOT x.is_duplicate THEN x.record_id END) END AS billing_customer_id, CASE WHEN min(CASE WHEN x.system = 'netsuite' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN 'netsuite' WHEN min(CASE WHEN x.system = 'erp_file' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN 'erp_file' END AS erp_system, CASE WHEN min(CASE WHEN x.system = 'netsuite' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN min(CASE WHEN x.system = 'netsuite' AND NOT x.is_duplicate THEN x.record_id END) WHEN min(CASE WHEN x.system = 'erp_file' AND NOT x.is_duplicate THEN x.record_id END) IS NOT NULL THEN min(CASE WHEN x.system = 'erp_file' AND NOT x.is_duplicate THEN x.record_id END) END AS erp_customer_id,
             min(CASE WHEN x.system = 'stripe' AND NOT x.is_duplicate THEN x.record_id END) AS stripe_customer_id,
             min(CASE WHEN x.system = 'netsuite' AND NOT x.is_duplicate THEN x.record_id END) AS netsuite_customer_id, min(CASE WHEN x.system = 'zendesk' AND NOT x.is_duplicate THEN x.record_id END) AS zendesk_organization_id,
             min(CASE WHEN x.system = 'erp_file' AND NOT x.is_duplicate THEN x.record_id END) AS erp_file_customer_id, count(*) AS records, min(x.created_at) AS first_seen_at
        FROM "canonical"."customer_xref" x GROUP BY x.customer_id
    )
    SELECT i.customer_id, nm.name, d.domain,
           coalesce(bc.entity, ec.entity) AS entity,
           ca.owner_id,
           i.salesforce_account_id, i.stripe_customer_id, i.netsuite_customer_id, i.zendesk_organization_id,
           i.erp_file_customer_id, i.records, i.first_seen_at, i.hubspot_company_id, i.crm_system, i.crm_account_id,
           i.billing_system, i.billing_customer_id, i.erp_system, i.erp_customer_id
      FROM ids i
      LEFT JOIN named nm ON nm.customer_id = i.customer_id AND nm.rn = 1
      LEFT JOIN domains d ON d.customer_id = i.customer_id AND d.rn = 1
      LEFT JOIN "conformed"."billing_customer" bc ON bc.system = i.billing_system AND bc.customer_id = i.billing_customer_id
      LEFT JOIN "conformed"."erp_customer" ec ON ec.system = i.erp_system AND ec.customer_id = i.erp_customer_id
      LEFT JOIN "conformed"."crm_account" ca ON ca.system = i.crm_system AND ca.account_id = i.crm_account_id;
