import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { PostgresWarehouse } from "../../warehouse/postgres/warehouse.js";
import { migrate } from "../../warehouse/migrations/migrate.js";

export interface TestDatabase {
  url: string;
  warehouse: PostgresWarehouse;
  /** Closes the warehouse and drops the database. */
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh database on the suite's Postgres target, migrated, for one test file. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("adminUrl");
  const name = `trueup_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const warehouse = await PostgresWarehouse.connect({ url });
  if (options.migrate !== false) await migrate(warehouse);
  return {
    url,
    warehouse,
    async drop() {
      await warehouse.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export function testTarget(): string {
  return inject("target");
}
