import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.js";
import { buildModels } from "../../models/build.js";
import { canonicalModels } from "../../models/canonical/index.js";
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

/** Pairwise identity evaluation: two records are "together" when they belong to one customer. */
function pairs(groups: string[][]): Set<string> {
  const out = new Set<string>();
  for (const g of groups) {
    const s = [...g].sort();
    for (let i = 0; i < s.length; i++) for (let j = i + 1; j < s.length; j++) out.add(`${s[i]}|${s[j]}`);
  }
  return out;
}

describe.each([
  { seed: 7, scale: 1 },
  { seed: 11, scale: 0.3 },
  { seed: 23, scale: 0.3 },
])("customer_xref against truth.json links (seed $seed, scale $scale)", ({ seed, scale }) => {
  it("precision ≥ 0.99 and recall ≥ 0.98, every data test passing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-acc-"));
    dirs.push(dir);
    await generateWorld({ seed, scale, out: dir });
    const truth = await readTruth(dir);
    const t = await createTestDatabase();
    dbs.push(t);
    const config = await loadWorldDirect(t.warehouse, dir);
    const out = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models: canonicalModels,
      asOf: truth.as_of,
    });
    for (const o of out) expect([o.model, o.status, o.error]).toEqual([o.model, "succeeded", undefined]);

    const known = new Set<string>();
    const truthGroups = truth.links.map((l) =>
      Object.entries(l).map(([system, id]) => {
        known.add(`${system}:${id}`);
        return `${system}:${id}`;
      }),
    );
    const rows = await t.warehouse.query<{ customer_id: string; k: string }>(
      `SELECT customer_id, system || ':' || record_id AS k FROM canonical.customer_xref`,
    );
    const byCustomer = new Map<string, string[]>();
    for (const r of rows) {
      if (!known.has(r.k)) continue; // duplicates and deleted records are judged by the duplicate rule
      byCustomer.set(r.customer_id, [...(byCustomer.get(r.customer_id) ?? []), r.k]);
    }
    const truthPairs = pairs(truthGroups);
    const predPairs = pairs([...byCustomer.values()]);
    const hit = [...predPairs].filter((p) => truthPairs.has(p)).length;
    const precision = predPairs.size ? hit / predPairs.size : 1;
    const recall = truthPairs.size ? hit / truthPairs.size : 1;
    console.log(
      `seed ${seed} scale ${scale}: customer_xref precision ${precision.toFixed(4)} recall ${recall.toFixed(4)} (${hit}/${predPairs.size} predicted, ${truthPairs.size} true pairs)`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.98);
  });
});
