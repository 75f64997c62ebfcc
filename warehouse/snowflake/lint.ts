/**
 * Postgres-only constructs that must never reach Snowflake. Checked on compiled SQL with
 * comments and string literals blanked out (a description may say "ON CONFLICT").
 */
const POSTGRES_ONLY: [RegExp, string][] = [
  [/\bON\s+CONFLICT\b/i, "ON CONFLICT"],
  [/\bDISTINCT\s+ON\b/i, "DISTINCT ON"],
  // `x::string` is Snowflake too; these target types are not.
  [/::\s*(jsonb?|timestamptz|regclass|int[248]|float[48]|\w+\s*\[\])/i, "::jsonb-style Postgres cast"],
  [/->>?/, "-> / ->> JSON operators"],
  [/\bjsonb?_\w+\s*\(/i, "json/jsonb functions"],
  [/\bjsonb\b/i, "jsonb type"],
  [/\bstring_agg\s*\(/i, "string_agg"],
  [/\bnow\s*\(\s*\)/i, "now()"],
  [/\bgenerate_series\s*\(/i, "generate_series"],
  [/\bILIKE\s+(ANY|ALL)\b/i, "ILIKE ANY/ALL"],
  [/\bmake_interval\s*\(/i, "make_interval"],
  [/\bunnest\s*\(/i, "unnest"],
  [/\bRETURNING\b/i, "RETURNING"],
  [/\bregexp_split_to_table\s*\(/i, "regexp_split_to_table"],
  [/\bstrpos\s*\(/i, "strpos"],
  [/\bFILTER\s*\(\s*WHERE\b/i, "aggregate FILTER (WHERE …)"],
  [/\bage\s*\(/i, "age()"],
  [/\bto_timestamp\s*\(/i, "to_timestamp (Snowflake: TO_TIMESTAMP_TZ)"],
  [/\bUNLOGGED\b/i, "UNLOGGED"],
  // Valid SQL, wrong answer: Snowflake's bare NUMERIC is NUMBER(38,0) and drops the decimals.
  [/\bAS\s+numeric\s*\)/i, "CAST(… AS numeric) without scale (Snowflake: NUMBER(38,0), decimals dropped)"],
  [/\bbigserial\b/i, "bigserial"],
  [/\bdouble\s+precision\b/i, "double precision"],
  [/\btimestamptz\b/i, "timestamptz"],
];

/** Blanks comments and string literals, keeping the text's length and line breaks. */
function code(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, (m) => " ".repeat(m.length))
    .replace(/'(?:[^']|'')*'/g, (m) => `'${" ".repeat(m.length - 2)}'`);
}

/** Each Postgres-only construct found, with its line. */
export function postgresOnlyConstructs(sql: string): string[] {
  const text = code(sql);
  const found: string[] = [];
  for (const [re, name] of POSTGRES_ONLY) {
    const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
    for (const m of text.matchAll(g)) {
      const line = text.slice(0, m.index).split("\n").length;
      found.push(`${name} at line ${line}: ${sql.split("\n")[line - 1]!.trim().slice(0, 120)}`);
    }
  }
  return found;
}
