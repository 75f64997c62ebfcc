import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISCREPANCY_CATEGORIES } from "../../config/schema.js";
import { buildModels } from "../../models/build.js";
import { canonicalModels } from "../../models/canonical/index.js";
import { reconcile } from "../../reconcile/run.js";
import { readTruth } from "../../sandbox/world/read.js";
import { extractAll, sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** The whole path as production runs it: vendor APIs (sandbox) → extract → models → rules. */
async function pipeline(t: TestDatabase, w: SandboxWorld, asOf: string, runId: string) {
  await extractAll(t.warehouse, w, runId);
  const built = await buildModels({
    warehouse: t.warehouse,
    config: w.config,
    log,
    models: canonicalModels,
    asOf,
  });
  expect(built.filter((b) => b.status !== "succeeded")).toEqual([]);
  return reconcile({ warehouse: t.warehouse, config: w.config, asOf, runId, log });
}

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
  { seed: 7, scale: 1, crm: "salesforce" as const },
  { seed: 11, scale: 0.3, crm: "salesforce" as const },
  { seed: 23, scale: 0.3, crm: "salesforce" as const },
  // HubSpot as the CRM: the same customers and hazards, read through the example config's
  // declarative HubSpot source and the conformed layer; truth keyed by HubSpot ids.
  { seed: 11, scale: 0.3, crm: "hubspot" as const },
  { seed: 23, scale: 0.15, crm: "hubspot" as const },
  { seed: 41, scale: 0.15, crm: "hubspot" as const },
])("accuracy against truth.json (seed $seed, scale $scale, $crm)", ({ seed, scale, crm }) => {
  let w: SandboxWorld;
  let t: TestDatabase;
  let truth: Awaited<ReturnType<typeof readTruth>>;
  beforeAll(async () => {
    w = await sandboxWorld(seed, scale, {}, { crm });
    t = await createTestDatabase();
    cleanup.push(
      () => w.close(),
      () => t.drop(),
    );
    truth = await readTruth(w.dir);
    await pipeline(t, w, truth.as_of, "acc-1");
    // The scale-1 world's extract and build take 2-3 minutes on a loaded machine.
  }, 420_000);

  it("customer_xref links records as truth.json does: precision ≥ 0.99, recall ≥ 0.98", async () => {
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
    expect(predPairs.size).toBeGreaterThan(0);
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.98);
  });

  it("refunds and credit notes: the noise the world plants (every match method, a cent off, not posted inside the window, void) is there and none of it is open", async () => {
    const methods = await t.warehouse.query<{ model: string; method: string | null }>(
      `SELECT DISTINCT 'credit_note' AS model, match_method AS method FROM canonical.credit_note WHERE match_method IS NOT NULL
       UNION SELECT DISTINCT 'refund', match_method FROM canonical.refund WHERE match_method IS NOT NULL`,
    );
    const noise = await t.warehouse.query<{ key: string; kind: string }>(
      `SELECT credit_note_key AS key, 'cent' AS kind FROM canonical.credit_note
        WHERE erp_credit_note_id IS NOT NULL AND billing_amount <> erp_amount AND abs(billing_amount - erp_amount) <= 0.01
       UNION ALL
       SELECT credit_note_key, 'window' FROM canonical.credit_note
        WHERE stripe_credit_note_id IS NOT NULL AND erp_credit_note_id IS NULL AND billing_created_at >= $1::timestamptz - interval '3 days'
       UNION ALL
       SELECT refund_key, 'window' FROM canonical.refund
        WHERE stripe_refund_id IS NOT NULL AND erp_refund_id IS NULL AND billing_created_at >= $1::timestamptz - interval '3 days'
       UNION ALL
       SELECT 'stripe:' || s.id, 'void' FROM staging.stripe__credit_notes s WHERE s._trueup_payload->>'status' = 'void'`,
      [truth.as_of],
    );
    const open = await t.warehouse.query<{ key: string }>(
      `SELECT key FROM recon.discrepancy WHERE status = 'open' AND key = ANY($1)`,
      [noise.map((n) => n.key)],
    );
    expect(open).toEqual([]);
    if (scale !== 1) return; // the smaller worlds need not hold every kind
    expect(methods.map((m) => `${m.model}:${m.method}`).sort()).toEqual([
      "credit_note:customer_amount_date",
      "credit_note:external_id",
      "credit_note:memo_number",
      "refund:customer_amount_date",
      "refund:external_id",
    ]);
    expect([...new Set(noise.map((n) => n.kind))].sort()).toEqual(["cent", "void", "window"]);
  });

  it("open discrepancies equal truth, category by category: precision 1.0 and recall 1.0", async () => {
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
    // The refund and credit-note categories are planted in every world scored here, so their
    // 1.0 is measured, not vacuous.
    for (const category of [
      "refund_missing_in_erp",
      "credit_note_missing_in_erp",
      "credit_note_amount_mismatch",
    ])
      expect(truth.discrepancies.filter((d) => d.category === category).length, category).toBeGreaterThan(0);

    if (seed !== 7) return;
    // A second run with no source change opens and resolves nothing.
    const again = await pipeline(t, w, truth.as_of, "acc-2");
    expect(again.reduce((n, f) => n + f.opened + f.reopened + f.resolved, 0)).toBe(0);

    // Fixing one record in its system, then running again, resolves exactly that discrepancy.
    const [d] = await t.warehouse.query<{ key: string; right_value: string }>(
      `SELECT key, right_value FROM recon.discrepancy WHERE status = 'open' AND category = 'entitlement_mismatch'
        ORDER BY key LIMIT 1`,
    );
    const orgId = d!.key.replace("zendesk:", "");
    const res = await fetch(`${w.sandbox.urls.zendesk}/__sandbox/zendesk/organizations/${orgId}`, {
      method: "PATCH",
      body: JSON.stringify({ organization_fields: { support_tier: d!.right_value } }),
    });
    expect(res.status).toBe(200);
    w.sandbox.store.advance(120_000); // Zendesk exports what changed more than a minute ago
    const fixed = await pipeline(t, w, truth.as_of, "acc-3");
    const resolved = await t.warehouse.query<{ key: string }>(
      `SELECT key FROM recon.discrepancy WHERE resolved_at IS NOT NULL AND status = 'resolved'`,
    );
    expect(resolved.map((r) => r.key)).toEqual([d!.key]);
    expect(fixed.reduce((n, f) => n + f.opened + f.reopened, 0)).toBe(0);
  });
});
