import { DefaultQueryCompiler, type OnConflictNode, type ReturningNode } from "kysely";

/**
 * Snowflake SQL from kysely's query tree. Identifiers are double-quoted (case kept, as trueup's
 * lower-case names are created quoted), parameters are `?` binds, and the Postgres-only clauses
 * have no Snowflake form: upserts are `db.mergeInto(…)` (MERGE), and there is no RETURNING.
 */
export class SnowflakeQueryCompiler extends DefaultQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return "?";
  }

  protected override getLeftIdentifierWrapper(): string {
    return '"';
  }

  protected override getRightIdentifierWrapper(): string {
    return '"';
  }

  protected override sanitizeIdentifier(identifier: string): string {
    return identifier.replace(/"/g, '""');
  }

  protected override visitOnConflict(_node: OnConflictNode): void {
    throw new Error("Snowflake has no ON CONFLICT: write the upsert with db.mergeInto(…) (MERGE)");
  }

  protected override visitReturning(_node: ReturningNode): void {
    throw new Error("Snowflake has no RETURNING: read the rows back with a SELECT in the same transaction");
  }
}
