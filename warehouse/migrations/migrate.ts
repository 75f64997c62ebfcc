import type { WarehouseSession, Warehouse } from "../interfaces.js";
import { MIGRATIONS, type Migration } from "./migrations.js";
import { SNOWFLAKE_MIGRATIONS } from "./snowflake.js";

// Any constant works; it only has to be the same for every trueup process sharing a database.
const MIGRATION_LOCK = 7_316_011;

/**
 * Applies pending migrations in order, in one transaction under an advisory lock, so several
 * workers starting together migrate once and none sees a half-made schema.
 */
export async function migrate(
  wh: Warehouse,
  migrations?: readonly Migration[],
): Promise<{ applied: number[] }> {
  if (wh.dialect === "snowflake") return migrateSnowflake(wh, migrations ?? SNOWFLAKE_MIGRATIONS);
  migrations ??= MIGRATIONS;
  return wh.transaction(async (tx: WarehouseSession) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query("CREATE SCHEMA IF NOT EXISTS trueup");
    await tx.query(`CREATE TABLE IF NOT EXISTS trueup.migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await tx.query<{ id: number }>("SELECT id FROM trueup.migrations")).map((r) => Number(r.id)),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
      if (done.has(m.id)) continue;
      for (const statement of m.sql) await tx.query(statement);
      await tx.query("INSERT INTO trueup.migrations (id, name) VALUES ($1, $2)", [m.id, m.name]);
      applied.push(m.id);
    }
    return { applied };
  });
}

/**
 * Snowflake: DDL commits on its own there, so each migration's statements run one by one (each
 * `IF NOT EXISTS`, safe to repeat if a concurrent start or a crash interleaves) and the
 * migration is recorded after them; no advisory lock exists, and none is needed for that.
 */
async function migrateSnowflake(
  wh: Warehouse,
  migrations: readonly Migration[],
): Promise<{ applied: number[] }> {
  await wh.query(`CREATE SCHEMA IF NOT EXISTS "trueup"`);
  await wh.query(`CREATE TABLE IF NOT EXISTS "trueup"."migrations" (
    "id" NUMBER(38,0) NOT NULL PRIMARY KEY, "name" VARCHAR NOT NULL,
    "applied_at" TIMESTAMP_TZ NOT NULL DEFAULT CURRENT_TIMESTAMP())`);
  const done = new Set(
    (await wh.query<{ id: unknown }>(`SELECT "id" FROM "trueup"."migrations"`)).map((r) => Number(r.id)),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    for (const statement of m.sql) await wh.query(statement);
    await wh.query(
      `INSERT INTO "trueup"."migrations" ("id", "name") SELECT $1, $2
        WHERE NOT EXISTS (SELECT 1 FROM "trueup"."migrations" WHERE "id" = $1)`,
      [m.id, m.name],
    );
    applied.push(m.id);
  }
  return { applied };
}
