import { ConfigError } from "../core/errors.js";
import { registerSecret } from "../core/log.js";

/**
 * Credentials and endpoints from the environment only (CONTRACTS.md §2). Every secret is
 * registered with the logger so its value is masked wherever it might surface.
 */
export interface Credentials {
  salesforce?: { instanceUrl: string; accessToken: string };
  stripe?: { apiKey: string; apiBase: string };
  netsuite?: {
    accountId: string;
    consumerKey: string;
    consumerSecret: string;
    tokenId: string;
    tokenSecret: string;
    baseUrl: string;
  };
  zendesk?: { baseUrl: string; email: string; apiToken: string };
  erpExportDir?: string;
  fxRatesFile?: string;
}

const SECRET_VARS = [
  "SALESFORCE_ACCESS_TOKEN",
  "STRIPE_API_KEY",
  "NETSUITE_CONSUMER_KEY",
  "NETSUITE_CONSUMER_SECRET",
  "NETSUITE_TOKEN_ID",
  "NETSUITE_TOKEN_SECRET",
  "ZENDESK_API_TOKEN",
];

export function registerEnvSecrets(env: NodeJS.ProcessEnv): void {
  for (const name of SECRET_VARS) registerSecret(env[name]);
  for (const name of ["WAREHOUSE_URL", "ORCHESTRATOR_DATABASE_URL"]) {
    const v = env[name];
    if (!v) continue;
    try {
      registerSecret(decodeURIComponent(new URL(v).password));
    } catch {
      /* not a URL */
    }
  }
}

/** NetSuite's REST host uses the account id lower-case with hyphens (123456_SB1 → 123456-sb1). */
export function netsuiteDefaultBaseUrl(accountId: string): string {
  return `https://${accountId.toLowerCase().replace(/_/g, "-")}.suitetalk.api.netsuite.com`;
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
  registerEnvSecrets(env);
  const c: Credentials = {};
  if (env.SALESFORCE_INSTANCE_URL || env.SALESFORCE_ACCESS_TOKEN) {
    c.salesforce = {
      instanceUrl: need(env, "SALESFORCE_INSTANCE_URL"),
      accessToken: need(env, "SALESFORCE_ACCESS_TOKEN"),
    };
  }
  if (env.STRIPE_API_KEY) {
    c.stripe = { apiKey: env.STRIPE_API_KEY, apiBase: env.STRIPE_API_BASE || "https://api.stripe.com" };
  }
  if (env.NETSUITE_ACCOUNT_ID) {
    c.netsuite = {
      accountId: env.NETSUITE_ACCOUNT_ID,
      consumerKey: need(env, "NETSUITE_CONSUMER_KEY"),
      consumerSecret: need(env, "NETSUITE_CONSUMER_SECRET"),
      tokenId: need(env, "NETSUITE_TOKEN_ID"),
      tokenSecret: need(env, "NETSUITE_TOKEN_SECRET"),
      baseUrl: env.NETSUITE_BASE_URL || netsuiteDefaultBaseUrl(env.NETSUITE_ACCOUNT_ID),
    };
  }
  const zdBase =
    env.ZENDESK_BASE_URL ||
    (env.ZENDESK_SUBDOMAIN ? `https://${env.ZENDESK_SUBDOMAIN}.zendesk.com` : undefined);
  if (zdBase || env.ZENDESK_API_TOKEN) {
    c.zendesk = {
      baseUrl: zdBase ?? need(env, "ZENDESK_BASE_URL"),
      email: need(env, "ZENDESK_EMAIL"),
      apiToken: need(env, "ZENDESK_API_TOKEN"),
    };
  }
  if (env.ERP_EXPORT_DIR) c.erpExportDir = env.ERP_EXPORT_DIR;
  if (env.FX_RATES_FILE) c.fxRatesFile = env.FX_RATES_FILE;
  return c;
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) {
    throw new ConfigError(
      `environment variable ${name} is not set; it is needed together with the other ${name.split("_")[0]} variables (see CONTRACTS.md §2 / docs/configuration.md)`,
    );
  }
  return v;
}
