import { DialectAdapterBase, sql, type Kysely } from "kysely";

/**
 * What kysely may assume of Snowflake: DDL commits implicitly (no transactional DDL), no
 * RETURNING. Migration locking uses a lock table row, as Snowflake has no advisory locks.
 */
export class SnowflakeAdapter extends DialectAdapterBase {
  override get supportsTransactionalDdl(): boolean {
    return false;
  }

  override get supportsReturning(): boolean {
    return false;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    // Table-level lock: an UPDATE holds the row until the migration's transaction ends.
    await sql`UPDATE "trueup"."migration_lock" SET "locked_at" = CURRENT_TIMESTAMP() WHERE "id" = 1`.execute(
      db,
    );
  }

  override async releaseMigrationLock(): Promise<void> {
    // Released when the transaction that took it commits.
  }
}
