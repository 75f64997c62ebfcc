import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DISCREPANCY_CATEGORIES } from "../../config/schema.js";
import { createLogger } from "../../core/log.js";
import { buildModels } from "../../models/build.js";
import { canonicalModels } from "../../models/canonical/index.js";
import { reconcile } from "../../reconcile/run.js";
import { generateWorld } from "../../sandbox/world/generate.js";
import { readTruth } from "../../sandbox/world/read.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { loadWorldDirect } from "../helpers/world-loader.js";

const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const dirs: string[] = [];
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each([
  { seed: 7, scale: 1 },
  { seed: 11, scale: 0.3 },
  { seed: 23, scale: 0.3 },
])("reconciliation against truth.json (seed $seed, scale $scale)", ({ seed, scale }) => {
  it("open discrepancies equal truth, category by category: precision 1.0 and recall 1.0", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-recon-"));
    dirs.push(dir);
    await generateWorld({ seed, scale, out: dir });
    const truth = await readTruth(dir);
    const t = await createTestDatabase();
    dbs.push(t);
    const config = await loadWorldDirect(t.warehouse, dir);
    const built = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models: canonicalModels,
      asOf: truth.as_of,
    });
    expect(built.filter((b) => b.status !== "succeeded")).toEqual([]);
    await reconcile({ warehouse: t.warehouse, config, asOf: truth.as_of, runId: "acc", log });
    const found = await t.warehouse.query<{ category: string; key: string }>(
      `SELECT category, key FROM recon.discrepancy WHERE status = 'open'`,
    );
    const rows: string[] = [];
    const problems: string[] = [];
    for (const category of DISCREPANCY_CATEGORIES) {
      const want = new Set(truth.discrepancies.filter((d) => d.category === category).map((d) => d.key));
      const got = new Set(found.filter((d) => d.category === category).map((d) => d.key));
      const tp = [...got].filter((k) => want.has(k)).length;
      const precision = got.size ? tp / got.size : 1;
      const recall = want.size ? tp / want.size : 1;
      rows.push(
        `${category.padEnd(30)} truth ${String(want.size).padStart(4)}  found ${String(got.size).padStart(4)}  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`,
      );
      for (const k of got) if (!want.has(k)) problems.push(`false alarm ${category} ${k}`);
      for (const k of want) if (!got.has(k)) problems.push(`missed ${category} ${k}`);
    }
    console.log(
      `seed ${seed} scale ${scale}\n${rows.join("\n")}${problems.length ? `\n${problems.slice(0, 20).join("\n")}` : ""}`,
    );
    expect(problems).toEqual([]);
  });
});
