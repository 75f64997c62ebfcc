import { ConfigError } from "../core/errors.js";
import { redactText, registerSecret, registerUrlSecret } from "../core/redact.js";

/**
 * Credentials and endpoints from the environment only (docs/configuration.md). Every secret is
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
  /** A HubSpot private app's access token (reverse ETL to HubSpot). */
  hubspot?: { baseUrl: string; accessToken: string };
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
  "HUBSPOT_ACCESS_TOKEN",
];

/** Any other variable whose name says it holds a credential (a custom source's, a proxy's). */
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;

/** Variables that are URLs and may carry a password in their userinfo. */
const URL_VARS = [
  "WAREHOUSE_URL",
  "ORCHESTRATOR_DATABASE_URL",
  "SALESFORCE_INSTANCE_URL",
  "STRIPE_API_BASE",
  "NETSUITE_BASE_URL",
  "ZENDESK_BASE_URL",
  "HUBSPOT_BASE_URL",
];

/** API bases: fetch cannot send URL userinfo, and an API's credential has its own variable. */
const API_BASES: Record<string, string> = {
  SALESFORCE_INSTANCE_URL: "SALESFORCE_ACCESS_TOKEN",
  STRIPE_API_BASE: "STRIPE_API_KEY",
  NETSUITE_BASE_URL: "the NETSUITE_* token variables",
  ZENDESK_BASE_URL: "ZENDESK_EMAIL and ZENDESK_API_TOKEN",
  HUBSPOT_BASE_URL: "HUBSPOT_ACCESS_TOKEN",
};

/**
 * Registers every credential the environment holds, so that it is masked in every log line,
 * error text, report and stored message from now on (core/redact.ts).
 */
export function registerEnvSecrets(env: NodeJS.ProcessEnv): void {
  for (const name of SECRET_VARS) registerSecret(env[name]);
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name)) registerSecret(value);
  for (const name of URL_VARS) registerUrlSecret(env[name]);
  // The Basic credential Zendesk receives, whole: its base64 does not contain the token's.
  if (env.ZENDESK_EMAIL && env.ZENDESK_API_TOKEN)
    registerSecret(`${env.ZENDESK_EMAIL}/token:${env.ZENDESK_API_TOKEN}`);
}

/** Refuses an API base with a user name or password in it, naming the variable (password masked). */
function checkApiBase(env: NodeJS.ProcessEnv, name: string): void {
  const value = env[name];
  if (!value) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `${name} is not a URL: ${redactText(value)}; give the API's base, e.g. https://host`,
    );
  }
  if (url.username || url.password)
    throw new ConfigError(
      `${name} has a user name or password in it (${redactText(value)}); trueup does not send URL credentials to an API: remove them from the URL and set ${API_BASES[name]} instead`,
    );
}

/** NetSuite's REST host uses the account id lower-case with hyphens (123456_SB1 → 123456-sb1). */
export function netsuiteDefaultBaseUrl(accountId: string): string {
  return `https://${accountId.toLowerCase().replace(/_/g, "-")}.suitetalk.api.netsuite.com`;
}

/** HubSpot's API host, unless HUBSPOT_BASE_URL names another. */
export const HUBSPOT_API_BASE = "https://api.hubapi.com";

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
  registerEnvSecrets(env);
  for (const name of Object.keys(API_BASES)) checkApiBase(env, name);
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
  if (env.HUBSPOT_BASE_URL || env.HUBSPOT_ACCESS_TOKEN) {
    c.hubspot = {
      baseUrl: env.HUBSPOT_BASE_URL || HUBSPOT_API_BASE,
      accessToken: need(env, "HUBSPOT_ACCESS_TOKEN"),
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
      `environment variable ${name} is not set; it is needed together with the other ${name.split("_")[0]} variables (see docs/configuration.md)`,
    );
  }
  return v;
}
