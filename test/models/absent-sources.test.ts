import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../config/load.js";
import { compileNodes } from "../../orchestration/compile-nodes.js";
import { postgresOnlyConstructs } from "../../warehouse/snowflake/lint.js";

const AS_OF = "2026-11-22T00:00:00Z";
const SYSTEMS = ["salesforce", "stripe", "netsuite", "zendesk", "erp_files"] as const;

async function exampleWith(off: string) {
  const { config } = await loadConfig({ cwd: path.resolve(import.meta.dirname, "../.."), dotenv: false });
  const raw = JSON.parse(JSON.stringify(config)) as { sources: Record<string, Record<string, unknown>> };
  raw.sources[off] = { ...raw.sources[off], enabled: false };
  return parseConfig(raw);
}

describe("models and rules compiled with a source disabled", () => {
  it.each(SYSTEMS)(
    "%s off: no model or rule reads its staging tables; the Snowflake SQL has nothing Postgres-only",
    async (off) => {
      const config = await exampleWith(off);
      for (const dialect of ["postgres", "snowflake"] as const) {
        const nodes = compileNodes(config, dialect, AS_OF).filter(
          (n) => n.kind === "model" || n.kind === "rule",
        );
        expect(nodes.length).toBeGreaterThan(10);
        for (const n of nodes) {
          expect(n.sql, `${dialect} ${n.node}`).not.toContain(`"staging"."${off}__`);
          if (dialect === "snowflake") expect(postgresOnlyConstructs(n.sql), n.node).toEqual([]);
        }
        // The other systems are still read.
        const all = nodes.map((n) => n.sql).join("\n");
        for (const s of SYSTEMS.filter((s) => s !== off))
          expect(all, `${dialect} ${s}`).toContain(`"staging"."${s}__`);
      }
    },
  );
});
