import { defineConfig } from "vitest/config";

/**
 * The live Snowflake suite: `npm run test:snowflake` with WAREHOUSE_URL=snowflake://… and
 * SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH set (docs/operations.md). Never part of
 * `npm test` (CI has no Snowflake account, and a skipped test fails CI).
 */
export default defineConfig({
  test: {
    include: ["test/snowflake-live/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
