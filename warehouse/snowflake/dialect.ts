import {
  DummyDriver,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
} from "kysely";
import { SnowflakeAdapter } from "./adapter.js";
import type { SnowflakeConnectionConfig } from "./connection.js";
import { SnowflakeDriver } from "./driver.js";
import { SnowflakeIntrospector } from "./introspector.js";
import { SnowflakeQueryCompiler } from "./query-compiler.js";

/**
 * kysely over snowflake-sdk: `new Kysely({ dialect: new SnowflakeDialect(config) })`; with no
 * config, a compile-only dialect (queries compile, nothing executes).
 */
export class SnowflakeDialect implements Dialect {
  constructor(
    private readonly config?: SnowflakeConnectionConfig,
    private readonly maxConnections = 4,
  ) {}

  createDriver(): Driver {
    // Without a connection the dialect still compiles queries (`trueup compile`).
    if (!this.config) return new DummyDriver();
    return new SnowflakeDriver(this.config, this.maxConnections);
  }

  createQueryCompiler(): QueryCompiler {
    return new SnowflakeQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SnowflakeAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SnowflakeIntrospector(db);
  }
}
