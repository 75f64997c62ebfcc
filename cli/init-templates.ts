import { config as example } from "../trueup.config.js";

/**
 * The files `trueup init` writes. The config is the example shipped with trueup (the one
 * `trueup demo` runs), printed as TypeScript, so a new project starts from a configuration that
 * works end to end against the sandbox and drifts from it never.
 */

/** Every environment variable trueup reads, with what it means; all commented out. */
export const ENV_VARIABLES: readonly { group: string; vars: readonly [string, string][] }[] = [
  {
    group: "Warehouse and orchestrator",
    vars: [
      [
        "WAREHOUSE_URL",
        "postgres://user@host:5432/db, or snowflake://USER@ACCOUNT/DATABASE/SCHEMA?warehouse=WH&role=ROLE. Unset: an embedded Postgres in .trueup/pg, started and stopped by trueup",
      ],
      [
        "ORCHESTRATOR_DATABASE_URL",
        "Postgres for the worker queue and run history. Unset: the warehouse when it is Postgres, else the embedded one",
      ],
      [
        "SNOWFLAKE_PRIVATE_KEY_PATH",
        "Snowflake key-pair auth: path of a PKCS#8 PEM key (preferred for services)",
      ],
      ["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "the key's passphrase, when it is encrypted"],
      ["SNOWFLAKE_PASSWORD", "Snowflake password auth, when no key is set (never put it in the URL)"],
    ],
  },
  {
    group: "Salesforce (CRM)",
    vars: [
      ["SALESFORCE_INSTANCE_URL", "https://yourorg.my.salesforce.com"],
      ["SALESFORCE_ACCESS_TOKEN", "OAuth access token (bearer)"],
    ],
  },
  {
    group: "HubSpot (CRM, when sources.hubspot is enabled)",
    vars: [
      ["HUBSPOT_ACCESS_TOKEN", "private app access token (bearer)"],
      ["HUBSPOT_BASE_URL", "API base; default https://api.hubapi.com"],
    ],
  },
  {
    group: "Stripe (billing)",
    vars: [
      ["STRIPE_API_KEY", "secret or restricted key (sk_… / rk_…)"],
      ["STRIPE_API_BASE", "API base; default https://api.stripe.com"],
    ],
  },
  {
    group: "NetSuite (ERP), SuiteQL with token-based auth (OAuth 1.0a, HMAC-SHA256)",
    vars: [
      ["NETSUITE_ACCOUNT_ID", "account id, e.g. 1234567 or 1234567_SB1"],
      ["NETSUITE_CONSUMER_KEY", "integration record's consumer key"],
      ["NETSUITE_CONSUMER_SECRET", "integration record's consumer secret"],
      ["NETSUITE_TOKEN_ID", "access token id"],
      ["NETSUITE_TOKEN_SECRET", "access token secret"],
      ["NETSUITE_BASE_URL", "REST base; default the account's own REST host"],
    ],
  },
  {
    group: "Zendesk (support)",
    vars: [
      ["ZENDESK_SUBDOMAIN", "yourcompany (for https://yourcompany.zendesk.com), or set ZENDESK_BASE_URL"],
      ["ZENDESK_BASE_URL", "full API base instead of the subdomain"],
      ["ZENDESK_EMAIL", "agent email the API token belongs to"],
      ["ZENDESK_API_TOKEN", "API token (basic auth email/token:api_token)"],
    ],
  },
  {
    group: "Files",
    vars: [
      ["ERP_EXPORT_DIR", "folder of the legacy ERP's CSV exports (or sources.erp_files.dir in the config)"],
      ["FX_RATES_FILE", "CSV of daily rates date,currency,usd_per_unit (or fx.ratesFile in the config)"],
    ],
  },
  {
    group: "trueup itself",
    vars: [
      ["TRUEUP_LOG_LEVEL", "trace, debug, info, warn or error; overrides log.level in the config"],
      [
        "TRUEUP_USER",
        "who acts in trueup recon assign/explain/reopen/signoff when --by is not given (else the OS user)",
      ],
      [
        "TRUEUP_AS_OF",
        "ISO instant commands reconcile as of when not given --as-of (trueup sandbox --env-file writes the world's)",
      ],
      [
        "TRUEUP_LOCK_WAIT",
        "seconds a command waits for another run's lock on the warehouse (default: no limit)",
      ],
      ["TRUEUP_WORKER_HEARTBEAT_MS", "how often a worker tells the queue it is alive (default 5000)"],
      [
        "TRUEUP_WORKER_STALE_MS",
        "after how long without a heartbeat a worker's jobs go to another (default 30000)",
      ],
    ],
  },
];

export function envExample(): string {
  const out = [
    "# Environment for trueup: copy this file to .env (git-ignored) and fill in what you use.",
    "# trueup reads .env from the project folder; variables already set in the environment win.",
    "# Secrets go here or in the environment, never in trueup.config.ts.",
  ];
  for (const g of ENV_VARIABLES) {
    out.push("", `## ${g.group}`);
    for (const [name, meaning] of g.vars) out.push(`# ${meaning}`, `# ${name}=`);
  }
  return out.join("\n") + "\n";
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A value as TypeScript source: identifier keys unquoted, short arrays and objects on one line. */
export function toTs(value: unknown, indent = ""): string {
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    const items = value.map((v) => toTs(v, inner));
    const flat = `[${items.join(", ")}]`;
    if (flat.length + indent.length <= 100 && !flat.includes("\n")) return flat;
    return `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return "{}";
    const items = entries.map(([k, v]) => `${IDENT.test(k) ? k : JSON.stringify(k)}: ${toTs(v, inner)}`);
    const flat = `{ ${items.join(", ")} }`;
    if (flat.length + indent.length <= 100 && !flat.includes("\n")) return flat;
    return `{\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export function configFile(): string {
  // The project's folders go before reconciliation, where a reader looks for them.
  const ordered: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(example)) {
    if (k === "reconciliation") {
      ordered.models = { paths: ["models"] };
      ordered.rules = { paths: ["rules"] };
    }
    ordered[k] = v;
  }
  ordered.models ??= { paths: ["models"] };
  ordered.rules ??= { paths: ["rules"] };
  return `// What trueup does in this project. Endpoints and secrets come from the environment or .env
// (see .env.example); relative paths here are taken from this file's folder.
//   models/  SQL files (models/<schema>/<name>.sql builds <schema>.<name>) and TypeScript models
//   rules/   reconciliation rules of your own (defineRule)
import { defineConfig } from "trueup";

export const config = defineConfig(${toTs(ordered)});
`;
}

export function packageJson(name: string, version: string): string {
  return (
    JSON.stringify(
      {
        name,
        version: "0.1.0",
        private: true,
        type: "module",
        scripts: {
          demo: "trueup demo",
          pipeline: "trueup run",
          build: "trueup build",
          worker: "trueup worker",
        },
        dependencies: { trueup: `^${version}` },
      },
      null,
      2,
    ) + "\n"
  );
}

export const GITIGNORE = `# trueup's local state: the embedded Postgres, sandbox worlds, reports
.trueup/
# secrets
.env
node_modules/
`;

export const SQL_MODEL = `/* trueup
materialized: table
unique_key: [customer_id, currency]
tags: [finance]
description: Invoiced amount per customer and currency, billing and ERP side by side.
columns:
  customer_id:
    description: Canonical customer (canonical.customer).
    tests: [not_null]
  currency:
    description: Invoice currency (ISO).
    tests: [not_null]
*/
-- A SQL model: one SELECT. {{ ref('schema.name') }} reads another model and makes the DAG edge.
SELECT i.customer_id,
       i.currency,
       count(*) AS invoices,
       coalesce(sum(i.billing_amount), 0) AS billing_amount,
       coalesce(sum(i.erp_amount), 0) AS erp_amount
  FROM {{ ref('canonical.invoice') }} i
 WHERE i.customer_id IS NOT NULL AND i.currency IS NOT NULL
 GROUP BY i.customer_id, i.currency
`;

export const TS_MODEL = `import { defineModel } from "trueup";

// A TypeScript model: the same as a SQL file, for SQL that is easier to build in code.
export const model = defineModel({
  name: "open_invoices_by_entity",
  schema: "analytics",
  materialized: "view",
  tags: ["finance"],
  description: "Open billing invoices per legal entity and currency.",
  sql: (ctx) => \`
    SELECT i.entity, i.billing_currency AS currency, count(*) AS open_invoices, sum(i.billing_amount) AS open_amount
      FROM \${ctx.ref("canonical.invoice")} i
     WHERE i.billing_status = 'open'
     GROUP BY i.entity, i.billing_currency\`,
});
`;

export const RULE = `import { defineRule } from "trueup";

// A reconciliation rule of your own: one SELECT returning one row per discrepancy. Its rows get
// the same lifecycle as the built-in categories (open, resolved, first and last seen, owner team).
export const rule = defineRule({
  name: "customer_totals",
  category: "customer_total_mismatch",
  ownerTeam: "accounting",
  description: "Customers whose invoiced total in billing differs from the ERP's, per currency.",
  reads: ["analytics.customer_invoice_totals"],
  sql: (ctx) => \`
    SELECT 'customer:' || t.customer_id || '/' || t.currency AS key, t.customer_id,
           'billing' AS left_system, CAST(t.billing_amount AS text) AS left_value,
           'erp' AS right_system, CAST(t.erp_amount AS text) AS right_value,
           t.billing_amount - t.erp_amount AS delta, t.currency
      FROM \${ctx.ref("analytics.customer_invoice_totals")} t
     WHERE abs(t.billing_amount - t.erp_amount) > \${ctx.settings.amountTolerance}\`,
});
`;
