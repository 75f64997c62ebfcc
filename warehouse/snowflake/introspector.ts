import {
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from "kysely";

/** Schemas, tables and columns from the database's information_schema. */
export class SnowflakeIntrospector implements DatabaseIntrospector {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ SCHEMA_NAME: string }>`SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA`.execute(
      this.db,
    );
    return r.rows.map((x) => ({ name: x.SCHEMA_NAME }));
  }

  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<{
      TABLE_SCHEMA: string;
      TABLE_NAME: string;
      TABLE_TYPE: string;
      COLUMN_NAME: string;
      DATA_TYPE: string;
      IS_NULLABLE: string;
      COLUMN_DEFAULT: string | null;
      COMMENT: string | null;
    }>`SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, c.COMMENT
         FROM INFORMATION_SCHEMA.TABLES t
         JOIN INFORMATION_SCHEMA.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
        WHERE t.TABLE_SCHEMA <> 'INFORMATION_SCHEMA'
        ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME, c.ORDINAL_POSITION`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const x of r.rows) {
      const key = `${x.TABLE_SCHEMA}.${x.TABLE_NAME}`;
      let t = tables.get(key);
      if (!t) {
        t = { name: x.TABLE_NAME, schema: x.TABLE_SCHEMA, isView: x.TABLE_TYPE === "VIEW", columns: [] };
        tables.set(key, t);
      }
      t.columns.push({
        name: x.COLUMN_NAME,
        dataType: x.DATA_TYPE,
        isNullable: x.IS_NULLABLE === "YES",
        isAutoIncrementing: false,
        hasDefaultValue: x.COLUMN_DEFAULT !== null,
        comment: x.COMMENT ?? undefined,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
