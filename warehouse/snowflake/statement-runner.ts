import { Kysely, type CompiledQuery, type DatabaseConnection, type Driver } from "kysely";
import { WarehouseError } from "../../core/errors.js";
import { SnowflakeDialect } from "./dialect.js";
import type { SnowflakeConnection } from "./driver.js";

/**
 * How a statement reaches Snowflake: its binds rewritten and converted, its kind (a DDL or PUT
 * would commit a transaction halfway), the runners (a pool's, a transaction's), and a kysely
 * instance over a runner.
 */

/**
 * trueup writes its statements with Postgres-style `$1` placeholders; Snowflake's driver takes
 * `:1` (same numbering, and a number may repeat). Rewritten outside string literals, quoted
 * identifiers and comments, so a `$1` inside `'…'` stays text.
 */
export function snowflakeBinds(sql: string): string {
  let out = "";
  for (let i = 0; i < sql.length;) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j++;
          else break;
        } else if (ch === "'" && sql[j] === "\\") j++; // Snowflake strings take backslash escapes
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const j = end < 0 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const j = end < 0 ? sql.length : end + 2;
      out += sql.slice(i, j);
      i = j;
    } else if (ch === "$" && /[0-9]/.test(sql[i + 1] ?? "") && !/[\w$]/.test(sql[i - 1] ?? "")) {
      let j = i + 1;
      while (/[0-9]/.test(sql[j] ?? "")) j++;
      out += `:${sql.slice(i + 1, j)}`;
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * What a statement does to a transaction in Snowflake. DDL commits the open transaction
 * implicitly (and runs in its own), so a transaction session refuses DDL once it has begun;
 * PUT uploads files and is kept out of transactions too. DML opens the transaction.
 */
export function statementKind(sql: string): "ddl" | "dml" | "put" | "other" {
  const head = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  switch (head) {
    case "CREATE":
    case "ALTER":
    case "DROP":
    case "UNDROP":
    case "COMMENT":
    case "GRANT":
    case "REVOKE":
    case "USE":
      return "ddl";
    case "INSERT":
    case "UPDATE":
    case "DELETE":
    case "MERGE":
    case "COPY":
    case "TRUNCATE":
      return "dml";
    case "PUT":
    case "REMOVE":
      return "put";
    default:
      return "other";
  }
}

/**
 * Bind values as the driver wants them: an array bind means a multi-row insert to snowflake-sdk,
 * so arrays and objects travel as JSON text (bound where `PARSE_JSON(:n)` reads them).
 */
export function bindValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return v;
}

/**
 * Row keys in lower case. The session resolves quoted identifiers case-insensitively
 * (QUOTED_IDENTIFIERS_IGNORE_CASE, see driver.ts), so Snowflake stores and returns trueup's
 * names upper case; trueup's names are lower-case snake_case, as on Postgres.
 */
export function lowerKeys<R>(rows: readonly unknown[]): R[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row as Record<string, unknown>)) out[k.toLowerCase()] = v;
    return out as R;
  });
}

/** Runs statements: on any pooled connection, or on a transaction's own (see SnowflakeWarehouse). */
export interface StatementRunner {
  run(sql: string, binds: readonly unknown[]): Promise<{ rows: unknown[]; updated?: number }>;
}

/**
 * A transaction on one connection, begun lazily: DDL and PUT may run first (Snowflake would
 * otherwise commit the transaction under them), the first DML statement opens it, and from
 * then on DDL or PUT is refused, so rows and cursor can never be split across two commits.
 */
export class TransactionRunner implements StatementRunner {
  began = false;

  constructor(readonly conn: SnowflakeConnection) {}

  async run(sql: string, binds: readonly unknown[]) {
    const kind = statementKind(sql);
    if (this.began && (kind === "ddl" || kind === "put"))
      throw new WarehouseError(
        `a ${kind === "ddl" ? "DDL statement" : "PUT"} inside a Snowflake transaction would commit it halfway; ` +
          `make schema changes and stage files before the first write: ${sql.slice(0, 80)}`,
      );
    if (!this.began && kind === "dml") {
      await this.conn.run("BEGIN");
      this.began = true;
    }
    return this.conn.run(sql, binds);
  }
}

/**
 * A kysely instance whose statements go through `runner` (a transaction's, so kysely's writes
 * begin it and its DDL is refused after, like any other statement of the transaction).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kyselyOn(runner: StatementRunner): Kysely<any> {
  const dialect = new SnowflakeDialect();
  const conn: DatabaseConnection = {
    executeQuery: async <R>(q: CompiledQuery) => {
      const r = await runner.run(q.sql, q.parameters.map(bindValue));
      return {
        rows: lowerKeys<R>(r.rows),
        numAffectedRows: r.updated === undefined ? undefined : BigInt(r.updated),
      };
    },
    // eslint-disable-next-line require-yield
    streamQuery: async function* () {
      throw new WarehouseError("streaming queries are not supported on Snowflake");
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => conn,
    beginTransaction: async () => {
      throw new WarehouseError("already in a transaction");
    },
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return new Kysely({
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => dialect.createIntrospector(db),
      createQueryCompiler: () => dialect.createQueryCompiler(),
    },
  });
}
