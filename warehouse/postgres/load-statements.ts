import { WAREHOUSE_LIMITS } from "../limits.js";
import type { CopyRoute, LoadStatements, MergePlan } from "../statements/load.js";
import { cursorBinds, rejectBinds } from "../statements/load-binds.js";
import { copyTextOf } from "./copy-encode.js";
import { POSTGRES_TYPES } from "./types.js";

/** Where and when a version was read: not part of the row's content. */
const STAMPS = new Set(["_trueup_run_id", "_trueup_loaded_at", "_trueup_position"]);
/** Bookkeeping columns a tombstone's values replace outright (see `mergeBatchTable`). */
const REPLACED = new Set([...STAMPS, "_trueup_deleted"]);

/**
 * The COPY route: rows go over the connection in COPY text, made straight from the batch's Arrow
 * buffers; a batch whose keys are all new is copied into staging under a savepoint, any other
 * into a temp table and merged with one INSERT … ON CONFLICT.
 */
const copyRoute: CopyRoute = {
  kind: "copy",

  encode: (batch, columns) => copyTextOf(batch, columns),

  async anyKeyIn(db, staging, key, type, values) {
    // Compared in the key column's own type, so the primary key index answers.
    const hit = await db.query(
      `SELECT 1 FROM ${db.quoteTable(staging)} WHERE ${db.quoteIdent(key)} = ANY(CAST($1 AS ${POSTGRES_TYPES[type]}[])) LIMIT 1`,
      [values],
    );
    return hit.length > 0;
  },

  async unlessKeyExists(db, copy) {
    await db.query(`SAVEPOINT trueup_direct`);
    try {
      await copy();
      await db.query(`RELEASE SAVEPOINT trueup_direct`);
      return true;
    } catch (err) {
      // Only a key met after all falls back (unique_violation): staging had it, or a concurrent load.
      if ((err as { code?: string }).code !== "23505") throw err;
      await db.query(`ROLLBACK TO SAVEPOINT trueup_direct`);
      return false;
    }
  },

  async createBatchTable(db, staging) {
    const tmp = `_trueup_batch_${Math.random().toString(36).slice(2, 10)}`;
    await db.query(
      `CREATE TEMP TABLE ${db.quoteIdent(tmp)} (LIKE ${db.quoteTable(staging)} INCLUDING DEFAULTS, _trueup_seq bigserial) ON COMMIT DROP`,
    );
    return { schema: "pg_temp", name: tmp };
  },

  async mergeBatchTable(db, batch, plan: MergePlan) {
    const q = (c: string) => db.quoteIdent(c);
    const { columns, primaryKey } = plan;
    const pk = primaryKey.map(q).join(", ");
    const version = plan.versionColumn ? q(plan.versionColumn) : undefined;
    const order = `${pk}, ${version ? `${version} DESC NULLS LAST, ` : ""}_trueup_seq DESC`;
    const live = columns.filter((c) => !primaryKey.includes(c));
    // A tombstone may carry only the key (Stripe's `*.deleted`): it marks the row deleted and
    // keeps the last known values; whatever it does carry overrides them.
    const value = (c: string) => {
      if (REPLACED.has(c)) return `EXCLUDED.${q(c)}`;
      if (c === "_trueup_payload") {
        return `CASE WHEN EXCLUDED._trueup_deleted THEN COALESCE(t.${q(c)}, '{}'::jsonb) || EXCLUDED.${q(c)} ELSE EXCLUDED.${q(c)} END`;
      }
      return `CASE WHEN EXCLUDED._trueup_deleted THEN COALESCE(EXCLUDED.${q(c)}, t.${q(c)}) ELSE EXCLUDED.${q(c)} END`;
    };
    const setList = live.map((c) => `${q(c)} = ${value(c)}`).join(", ");
    // A record re-read with nothing new (an API's look-back window, a re-exported file) leaves its
    // row as it was: `_trueup_loaded_at` and `_trueup_run_id` say when the row last *changed*, so a
    // model whose staging inputs kept their latest load time knows without reading them that
    // nothing it reads changed, and the row gets no new version to vacuum.
    const content = live.filter((c) => !STAMPS.has(c));
    const changed = content.length
      ? `(${content.map((c) => `t.${q(c)}`).join(", ")}) IS DISTINCT FROM (${content.map(value).join(", ")})`
      : "false";
    const newer = version
      ? `(t.${version} IS NULL OR EXCLUDED.${version} IS NULL OR EXCLUDED.${version} >= t.${version}) AND `
      : "";
    await db.query(
      `INSERT INTO ${db.quoteTable(plan.staging)} AS t (${columns.map(q).join(", ")})
       SELECT DISTINCT ON (${pk}) ${columns.map(q).join(", ")} FROM ${q(batch.name)} ORDER BY ${order}
       ON CONFLICT (${pk}) DO UPDATE SET ${setList} WHERE ${newer}${changed}`,
    );
  },
};

export const postgresLoadStatements: LoadStatements = {
  limits: WAREHOUSE_LIMITS.postgres,

  async saveCursor(db, row) {
    await db.query(
      `INSERT INTO trueup.extract_state (source, stream, cursor, updated_at, run_id)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (source, stream) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now(), run_id = EXCLUDED.run_id`,
      cursorBinds(row),
    );
  },

  async recordReject(db, row) {
    await db.query(
      `INSERT INTO trueup.rejects (run_id, source, stream, position, record_key, field, reason, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      rejectBinds(row),
    );
  },

  route: copyRoute,
};
