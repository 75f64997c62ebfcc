import type { TestProject } from "vitest/node";
import pg from "pg";
import { startEmbedded, type EmbeddedHandle } from "../warehouse/postgres/embedded.js";

/**
 * Which Postgres the suite runs against: TRUEUP_TEST_TARGET=system (default; the server at
 * TRUEUP_TEST_PG_URL or 127.0.0.1:5432) or embedded (a server from node_modules, started here).
 * Every test file then gets a database of its own (test/helpers/warehouse.ts), so files run in
 * parallel without sharing raw/staging schemas. An unreachable server fails the run: tests that
 * silently did nothing would be worse than none.
 */
declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    target: string;
  }
}

let embedded: EmbeddedHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  const target = process.env.TRUEUP_TEST_TARGET ?? "system";
  let adminUrl: string;
  if (target === "embedded") {
    embedded = await startEmbedded({ dir: ".trueup/test-pg", database: "postgres" });
    adminUrl = embedded.url.replace(/\/[^/]*$/, "/postgres");
  } else if (target === "system") {
    adminUrl = process.env.TRUEUP_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  } else {
    throw new Error(`TRUEUP_TEST_TARGET must be system or embedded, got ${target}`);
  }
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    throw new Error(
      `the test Postgres (${target}) is unreachable at ${adminUrl.replace(/:[^:@/]*@/, ":****@")}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    await client.end().catch(() => {});
  }
  project.provide("adminUrl", adminUrl);
  project.provide("target", target);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}
