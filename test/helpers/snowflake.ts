import { SnowflakeConnection } from "../../warehouse/snowflake/driver.js";

/**
 * snowflake-sdk's connection as trueup's driver uses it (`execute` with SQL, binds and a
 * callback), with no server: every statement is recorded, answered from `answer` (rows as
 * Snowflake sends them: upper-case keys, numbers as text, VARIANTs as JSON text), and refused
 * where Snowflake would refuse its binds. Not a double of trueup's code: the session,
 * transaction runner and warehouse under test are the real ones.
 */
export interface SentStatement {
  sql: string;
  binds: unknown[];
}
export type Answer = (sql: string, binds: unknown[]) => Record<string, unknown>[] | undefined;

/** Placeholders outside literals, quoted names and comments: `?` and `:n`. */
function placeholders(sql: string): { positional: number; numbered: number[] } {
  const code = sql
    .replace(/--[^\n]*/g, "")
    .replace(/'(?:[^'\\]|''|\\.)*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
  return {
    positional: (code.match(/\?/g) ?? []).length,
    numbered: [...code.matchAll(/(?<![:\w]):(\d+)/g)].map((m) => Number(m[1])),
  };
}

export function recordingConnection(answer: Answer = () => []): {
  conn: SnowflakeConnection;
  sent: SentStatement[];
} {
  const sent: SentStatement[] = [];
  const raw = {
    connect: () => {},
    destroy: () => {},
    execute: (o: {
      sqlText: string;
      binds?: unknown[];
      complete: (err: Error | undefined, stmt: object, rows: unknown[]) => void;
    }) => {
      const binds = o.binds ?? [];
      sent.push({ sql: o.sqlText, binds });
      const p = placeholders(o.sqlText);
      const problem =
        p.positional && p.numbered.length
          ? "mixes ? and :n binds"
          : p.positional && p.positional !== binds.length
            ? `has ${p.positional} ? binds but ${binds.length} values`
            : Math.max(0, ...p.numbered) > binds.length
              ? `uses :${Math.max(...p.numbered)} with ${binds.length} values`
              : binds.some((b) => b !== null && typeof b === "object")
                ? "binds an array or object (snowflake-sdk: a multi-row insert)"
                : undefined;
      if (problem) return o.complete(new Error(`statement ${problem}: ${o.sqlText}`), {}, []);
      o.complete(undefined, {}, answer(o.sqlText, binds) ?? []);
    },
  };
  return { conn: new SnowflakeConnection(raw as never), sent };
}
