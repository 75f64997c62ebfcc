import { readFileSync } from "node:fs";
import { ConfigError } from "../../core/errors.js";

/**
 * `WAREHOUSE_URL=snowflake://USER@ACCOUNT/DATABASE/SCHEMA?warehouse=WH&role=ROLE`, with the
 * secret from the environment, never from the URL: `SNOWFLAKE_PRIVATE_KEY_PATH` (key-pair auth,
 * optionally `SNOWFLAKE_PRIVATE_KEY_PASSPHRASE`) or `SNOWFLAKE_PASSWORD`. Key pair wins when both
 * are set, as Snowflake recommends it for services.
 */
export interface SnowflakeConnectionConfig {
  account: string;
  username: string;
  database: string;
  schema: string;
  warehouse?: string;
  role?: string;
  authenticator: "SNOWFLAKE" | "SNOWFLAKE_JWT";
  password?: string;
  privateKey?: string;
  privateKeyPass?: string;
  /** The URL without secrets, for messages. */
  display: string;
}

export function parseSnowflakeUrl(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): SnowflakeConnectionConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(
      "WAREHOUSE_URL is not a valid URL; expected snowflake://USER@ACCOUNT/DATABASE/SCHEMA?warehouse=WH&role=ROLE",
    );
  }
  if (u.protocol !== "snowflake:") throw new ConfigError(`not a snowflake:// URL: ${u.protocol}//…`);
  if (u.password)
    throw new ConfigError(
      "WAREHOUSE_URL must not carry a password; set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH instead",
    );
  const username = decodeURIComponent(u.username);
  const account = u.hostname.replace(/\.snowflakecomputing\.com$/i, "");
  const [database, schema, ...rest] = u.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const missing = [
    !username && "the user (snowflake://USER@…)",
    !account && "the account (snowflake://USER@ACCOUNT/…)",
    !database && "the database (…/DATABASE/SCHEMA)",
    !schema && "the schema (…/DATABASE/SCHEMA)",
  ].filter(Boolean);
  if (missing.length) throw new ConfigError(`WAREHOUSE_URL is missing ${missing.join(", ")}`);
  if (rest.length)
    throw new ConfigError(`WAREHOUSE_URL has extra path parts after the schema: /${rest.join("/")}`);
  const known = new Set(["warehouse", "role"]);
  const unknown = [...u.searchParams.keys()].filter((k) => !known.has(k));
  if (unknown.length)
    throw new ConfigError(
      `WAREHOUSE_URL has unknown parameters: ${unknown.join(", ")} (known: warehouse, role)`,
    );

  const keyPath = env.SNOWFLAKE_PRIVATE_KEY_PATH;
  let privateKey: string | undefined;
  if (keyPath) {
    try {
      privateKey = readFileSync(keyPath, "utf8");
    } catch (err) {
      throw new ConfigError(
        `SNOWFLAKE_PRIVATE_KEY_PATH=${keyPath} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  const password = env.SNOWFLAKE_PASSWORD;
  if (!privateKey && !password)
    throw new ConfigError(
      "Snowflake needs credentials: set SNOWFLAKE_PRIVATE_KEY_PATH (key-pair auth) or SNOWFLAKE_PASSWORD",
    );
  const warehouse = u.searchParams.get("warehouse") ?? undefined;
  const role = u.searchParams.get("role") ?? undefined;
  return {
    account,
    username,
    database: database!,
    schema: schema!,
    warehouse,
    role,
    authenticator: privateKey ? "SNOWFLAKE_JWT" : "SNOWFLAKE",
    password: privateKey ? undefined : password,
    privateKey,
    privateKeyPass: privateKey ? env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE : undefined,
    display: `snowflake://${username}@${account}/${database}/${schema}${u.search}`,
  };
}
