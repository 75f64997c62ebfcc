import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The live Snowflake suite has its own config (vitest.snowflake.config.ts, `npm run test:snowflake`).
    exclude: [...configDefaults.exclude, "test/snowflake-live/**"],
    // Tests talk to real Postgres servers and real HTTP emulators; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["test/global-setup.ts"],
  },
});
