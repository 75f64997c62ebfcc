import { z } from "zod";
import { namedCron } from "./cron.js";
import { restSourceSchema, type RestSourceInput } from "./rest-source.js";

/**
 * The trueup configuration. Objects are strict: a misspelt key is an error naming it, never a
 * silently ignored setting. Secrets are not part of this schema at all; they come from the
 * environment through `credentials.ts`.
 */

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();
const systemName = z.enum(["salesforce", "stripe", "netsuite", "zendesk", "erp_files"]);
/** The five vendor sources, plus `reference` (FX rates and other reference files). */
export type SourceSystem = z.infer<typeof systemName> | "reference";

const baseSource = {
  enabled: z.boolean().default(true),
  /** Streams to extract; default all the source offers. */
  streams: z.array(z.string().min(1)).optional(),
  /** Requests in flight at once against this source. */
  concurrency: positiveInt.default(4),
  /** Client-side budget; the vendor's own hints (Retry-After…) are honoured on top. */
  requestsPerSecond: z.number().positive().optional(),
  /** Re-read this many seconds before the saved cursor, so late-visible records are caught. */
  lookbackSeconds: nonNegative.optional(),
  timeoutMs: positiveInt.default(60_000),
  maxRetries: z.number().int().nonnegative().default(8),
  /** Freshness SLA: alert when the last successful extract is older than this. */
  freshnessHours: z.number().positive().optional(),
};

const salesforce = z.strictObject({
  ...baseSource,
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d$/, "like v61.0")
    .default("v61.0"),
  /** Stop before the org's daily API quota is spent, keeping this share for other integrations. */
  maxDailyApiShare: z.number().gt(0).lte(1).default(0.5),
  batchSize: z.number().int().min(200).max(2000).default(2000),
});

/** The Stripe API version trueup speaks unless the config pins another (see docs/extract.md). */
export const STRIPE_DEFAULT_API_VERSION = "2025-09-30.clover";

const stripe = z.strictObject({
  ...baseSource,
  /**
   * Sent as `Stripe-Version` on every request, so records arrive in one known shape whatever
   * the account's default version is; `2024-06-20` (acacia) and basil/clover dates are read.
   */
  apiVersion: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, "like 2025-09-30.clover or 2024-06-20")
    .default(STRIPE_DEFAULT_API_VERSION),
  pageSize: z.number().int().min(1).max(100).default(100),
});

const netsuite = z.strictObject({
  ...baseSource,
  /** The account's date preference, as SuiteQL formats dates (M/D/YYYY, D.M.YYYY, DD/MM/YYYY…). */
  dateFormat: z.string().default("M/D/YYYY"),
  pageSize: z.number().int().min(1).max(1000).default(1000),
});

const zendesk = z.strictObject({
  ...baseSource,
});

const erpFilePattern = z.strictObject({
  /** Glob-like file name pattern inside ERP_EXPORT_DIR, e.g. `invoices_*.csv`. */
  pattern: z.string().min(1),
  stream: z.string().min(1),
  primaryKey: z.array(z.string()).min(1),
  delimiter: z.string().length(1).default(";"),
  bom: z.boolean().default(true),
  decimalComma: z.boolean().default(true),
  dateFormat: z.string().default("DD.MM.YYYY"),
  /**
   * The file's character encoding. UTF-8 by default, where bytes that are not UTF-8 reject their
   * row; `latin1` (ISO-8859-1) and `windows-1252` convert every byte.
   */
  encoding: z.enum(["utf8", "latin1", "windows-1252"]).default("utf8"),
  /** Column types; columns not listed stay text. */
  columns: z.record(z.string(), z.enum(["text", "numeric", "date", "bigint", "boolean"])).default({}),
});

const erpFiles = z.strictObject({
  enabled: z.boolean().default(true),
  /** Overrides ERP_EXPORT_DIR. */
  dir: z.string().optional(),
  files: z.array(erpFilePattern).default([]),
  freshnessHours: z.number().positive().optional(),
});

const builtinSources = z.strictObject({
  salesforce: salesforce.optional(),
  stripe: stripe.optional(),
  netsuite: netsuite.optional(),
  zendesk: zendesk.optional(),
  erp_files: erpFiles.optional(),
});
type BuiltinSourcesInput = z.input<typeof builtinSources>;
/** Any other name is a REST source declared in config (`restSources(config)` lists them, typed). */
const sources = (
  builtinSources.catchall(restSourceSchema).superRefine((s, ctx) => {
    for (const name of Object.keys(s))
      if (!/^[a-z][a-z0-9_]*$/.test(name))
        ctx.addIssue({
          code: "custom",
          path: [name],
          input: name,
          message: "a source name in lower_snake_case",
        });
  }) as unknown as z.ZodType<
    z.output<typeof builtinSources> & { [name: string]: unknown },
    BuiltinSourcesInput & { [name: string]: RestSourceInput | BuiltinSourcesInput[keyof BuiltinSourcesInput] }
  >
).default({});

const warehouse = z
  .strictObject({
    /** Usually from WAREHOUSE_URL; a URL here must not carry a password. */
    url: z.string().optional(),
    embedded: z
      .strictObject({ dir: z.string().default(".trueup/pg"), port: positiveInt.optional() })
      .default({
        dir: ".trueup/pg",
      }),
    maxConnections: positiveInt.default(8),
  })
  .default({ embedded: { dir: ".trueup/pg" }, maxConnections: 8 });

const fx = z
  .strictObject({
    reportingCurrency: z.string().length(3).default("USD"),
    /** Overrides FX_RATES_FILE. */
    ratesFile: z.string().optional(),
  })
  .default({ reportingCurrency: "USD" });

const models = z
  .strictObject({
    /** Extra model folders (TypeScript modules) besides the built-in canonical models. */
    paths: z.array(z.string()).default([]),
    /** Include the built-in canonical models (set false to run only your own). */
    builtin: z.boolean().default(true),
    vars: z.record(z.string(), z.unknown()).default({}),
  })
  .default({ paths: [], builtin: true, vars: {} });

/**
 * The periodic full verification of what runs skip: a model or rule family whose inputs did not
 * change is not rebuilt, except once every `everyHours` (0: on every run), when it is rebuilt in
 * full and compared with what it held; a difference is a trueup defect, reported and repaired.
 */
const verification = z
  .strictObject({ everyHours: z.number().min(0).default(24) })
  .default({ everyHours: 24 });

const systemId = z.string().regex(/^[a-z][a-z0-9_]*$/, "a system name (lower-case letters, digits, _)");

/**
 * Which systems fill each role (crm, billing, erp, support), by source name. The conformed layer's
 * relations of a role (conformed.crm_account, conformed.billing_invoice, conformed.erp_payment, …)
 * are the union of one mapping model per system named here (`conformed.<relation>__<system>`):
 * built in for salesforce, hubspot, stripe, netsuite, erp_files and zendesk, a SQL model of the
 * project for any other. A system listed whose source is disabled or not configured reads as empty.
 */
const roleSystems = (systems: string[]) =>
  z
    .array(systemId)
    .min(1)
    .refine((a) => new Set(a).size === a.length, "a system listed twice")
    .default(systems);

const ROLE_DEFAULTS = {
  crm: ["salesforce", "hubspot"],
  billing: ["stripe"],
  erp: ["netsuite", "erp_files"],
  support: ["zendesk"],
};
const roles = z
  .strictObject({
    crm: roleSystems(ROLE_DEFAULTS.crm),
    billing: roleSystems(ROLE_DEFAULTS.billing),
    erp: roleSystems(ROLE_DEFAULTS.erp),
    support: roleSystems(ROLE_DEFAULTS.support),
  })
  .default(ROLE_DEFAULTS);

export const DISCREPANCY_CATEGORIES = [
  "invoice_missing_in_erp",
  "invoice_missing_in_billing",
  "invoice_amount_mismatch",
  "invoice_status_mismatch",
  "invoice_currency_mismatch",
  "payment_missing_in_erp",
  "payment_amount_mismatch",
  "refund_missing_in_erp",
  "credit_note_missing_in_erp",
  "credit_note_amount_mismatch",
  "contract_amount_mismatch",
  "contract_missing_subscription",
  "entitlement_mismatch",
  "duplicate_customer",
] as const;
export type BuiltinCategory = (typeof DISCREPANCY_CATEGORIES)[number];
/** A built-in category, or one a project's own rule (`defineRule`) names. */
export type DiscrepancyCategory = BuiltinCategory | (string & {});
/**
 * Category names in config: built-in ones and the project's own rules' (checked against the
 * rules when they are loaded, so a misspelt category is still an error).
 */
const categoryName = z.string().regex(/^[a-z][a-z0-9_]*$/, "a category name in lower_snake_case");

/** The reason codes an explanation can give when the config lists none. */
export const DEFAULT_REASON_CODES = [
  "timing",
  "known_difference",
  "fixed_at_source",
  "write_off",
  "other",
] as const;

const reconciliation = z
  .strictObject({
    /** Invoices and payments are equal within this many units of their currency. */
    amountTolerance: nonNegative.default(0.01),
    /** Contract ACV vs annualized subscription, relative. */
    contractTolerance: nonNegative.default(0.005),
    /** Settlement and posting window before as-of, in days. */
    windowDays: nonNegative.default(3),
    ownerTeams: z.record(categoryName, z.string()).default({}),
    disabled: z.array(categoryName).default([]),
    /** The reasons an explanation may give (`trueup recon explain --reason`). */
    reasonCodes: z
      .array(z.string().regex(/^[a-z][a-z0-9_]*$/, "a reason code in lower_snake_case"))
      .min(1)
      .default([...DEFAULT_REASON_CODES]),
    /** Days from when a discrepancy is found to when it is due, unless `sla` names its category. */
    slaDays: nonNegative.default(10),
    /** Days to due date per category. */
    sla: z.record(categoryName, nonNegative).default({}),
    /**
     * In the reporting currency: an open discrepancy above it that is not explained blocks the
     * sign-off of the month it is dated in. 0: every unexplained open item blocks.
     */
    materiality: nonNegative.default(0),
  })
  .default({
    amountTolerance: 0.01,
    contractTolerance: 0.005,
    windowDays: 3,
    ownerTeams: {},
    disabled: [],
    reasonCodes: [...DEFAULT_REASON_CODES],
    slaDays: 10,
    sla: {},
    materiality: 0,
  });

const destinationSystem = z.enum(["salesforce", "zendesk", "hubspot"]);

const sync = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "lower_snake_case"),
  /** The model (canonical.*) the sync reads. */
  model: z.string().min(1),
  destination: z.strictObject({ system: destinationSystem, object: z.string().min(1) }),
  /**
   * Model column → destination field it matches. `update`: the destination's record id (`Id`,
   * `id`; HubSpot: `id`, the company's or deal's record id). `upsert` / `mirror`: an external-id
   * field (Salesforce `…__c` external id, Zendesk `external_id`), written on the records the sync
   * creates.
   */
  matchKey: z.strictObject({ column: z.string(), field: z.string() }),
  /** Destination field → model column. */
  mapping: z.record(z.string(), z.string()).refine((m) => Object.keys(m).length > 0, "at least one field"),
  /**
   * update: write matched records only (a record missing in the destination is a failure).
   * upsert: records not found by the match key are created. mirror: upsert, and records this
   * sync created that leave the model are deleted (never records it did not create).
   */
  mode: z.enum(["update", "upsert", "mirror"]).default("update"),
  /** Corrections (values derived from reconciliation) need `trueup sync --approve`. */
  requiresApproval: z.boolean().default(false),
  /** Fields that may be written with null; others never overwrite a value with null. */
  allowNull: z.array(z.string()).default([]),
  /** Circuit breaker: refuse to change more than this share of the destination's records. */
  maxChangeShare: z.number().gt(0).lte(1).default(0.2),
  maxAttempts: positiveInt.default(3),
  /** Runs this sync alone on a cron (graphile-worker syntax, 5 fields), besides the pipeline's schedules. */
  schedule: z.string().optional(),
});

const schedule = z.strictObject({
  name: z.string().min(1),
  /** graphile-worker crontab syntax (5 fields). */
  cron: z.string(),
  select: z.string().default("*"),
});

/**
 * `entity.field` → system of record (a source, or a destination such as HubSpot). Reverse ETL
 * never writes a field into its own system of record.
 */
const ownerSystem = z.enum([...systemName.options, "hubspot"]);
const ownership = z.record(z.string().regex(/^[a-z_]+\.[a-z_]+$/, "entity.field"), ownerSystem).default({});

/** Fields each destination may be written at all (allow-list). */
const writable = z.partialRecord(destinationSystem, z.record(z.string(), z.array(z.string()))).default({});

const rules = z
  .strictObject({
    /** Folders of the project's own reconciliation rules: modules exporting `rule` or `rules` (defineRule). */
    paths: z.array(z.string()).default([]),
  })
  .default({ paths: [] });

export const SERVE_ROLES = ["viewer", "preparer", "approver"] as const;
export type ServeRole = (typeof SERVE_ROLES)[number];

/**
 * A user of `trueup serve`. The password is never in the config: either its scrypt hash
 * (`scrypt$N$r$p$salt$hash`, base64 salt and hash, as `trueup serve --hash-password` prints) or
 * the name of the environment variable holding it (default TRUEUP_USER_<NAME>_PASSWORD).
 */
const serveUser = z
  .strictObject({
    role: z.enum(SERVE_ROLES),
    passwordHash: z
      .string()
      .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, "scrypt$N$r$p$salt$hash")
      .optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name")
      .optional(),
  })
  .refine((u) => !(u.passwordHash && u.passwordEnv), "give passwordHash or passwordEnv, not both");

const serve = z
  .strictObject({
    /** The address `trueup serve` listens on; 127.0.0.1 unless a proxy in front needs more. */
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(4080),
    /** User name → role and where the password comes from. No users: nobody can log in. */
    users: z.record(z.string().regex(/^[a-z][a-z0-9_.-]*$/, "a lower-case user name"), serveUser).default({}),
    /** A login lasts this long. */
    sessionHours: z.number().positive().default(12),
  })
  .default({ host: "127.0.0.1", port: 4080, users: {}, sessionHours: 12 });

export const configSchema = z.strictObject({
  warehouse,
  orchestrator: z
    .strictObject({ url: z.string().optional(), concurrency: positiveInt.default(4) })
    .default({ concurrency: 4 }),
  sources,
  roles,
  verification,
  fx,
  models,
  reconciliation,
  rules,
  // Cron expressions are checked by graphile-worker's own parser, naming the sync or schedule.
  syncs: z.array(sync.superRefine(namedCron("schedule", "sync"))).default([]),
  writable,
  ownership,
  schedules: z.array(schedule.superRefine(namedCron("cron", "schedule"))).default([]),
  serve,
  log: z
    .strictObject({ level: z.enum(["trace", "debug", "info", "warn", "error"]).default("info") })
    .default({
      level: "info",
    }),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type SyncConfig = z.output<typeof sync>;
export type ServeConfig = z.output<typeof serve>;
export type ErpFilePattern = z.output<typeof erpFilePattern>;
