import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runFamily } from "../../reconcile/engine.js";
import type { RuleFamily } from "../../reconcile/interfaces.js";
import { runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * `trueup recon …` through the real binary on a warehouse whose recon tables a rule family
 * (run in process, the real engine) filled from staging tables shaped as the vendors' are.
 */
let t: TestDatabase;
let dir: string;
let configFile: string;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const settings = { reconciliation: { materiality: 100 } };

const family: RuleFamily = {
  name: "cli_invoices",
  description: "Test family.",
  rules: [
    {
      category: "invoice_amount_mismatch",
      description: "amounts differ",
      sql: (ctx) => `
        SELECT 'stripe:' || s.id AS key, NULL::text AS customer_id, 'us' AS entity, 'stripe' AS left_system,
               (s.total / 100.0)::text AS left_value, 'netsuite' AS right_system, n.foreigntotal AS right_value,
               s.total / 100.0 - n.foreigntotal::numeric AS delta, 'USD' AS currency,
               abs(s.total / 100.0 - n.foreigntotal::numeric) AS amount_reporting,
               jsonb_build_object('number', s.number, 'erp_invoice_id', n.id) AS detail
          FROM ${ctx.source("stripe", "invoices")} s JOIN ${ctx.source("netsuite", "transaction")} n ON n.externalid = s.id
         WHERE abs(s.total / 100.0 - n.foreigntotal::numeric) > 0.01`,
    },
  ],
};

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(["--config", configFile, ...args], { cwd: dir, env: { WAREHOUSE_URL: t.url, ...env } });

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), "trueup-recon-cli-"));
  configFile = path.join(dir, "trueup.config.mjs");
  await writeFile(configFile, `export default ${JSON.stringify(settings)};\n`);
  await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS staging`);
  await t.warehouse.query(`CREATE TABLE staging.stripe__invoices (id text, number text, total bigint)`);
  await t.warehouse.query(
    `CREATE TABLE staging.netsuite__transaction (id text, tranid text, externalid text, foreigntotal text)`,
  );
  await t.warehouse.query(
    `INSERT INTO staging.stripe__invoices VALUES ('in_A', 'INV-0001', 100000), ('in_B', 'INV-0002', 50000)`,
  );
  await t.warehouse.query(
    `INSERT INTO staging.netsuite__transaction VALUES ('901', 'NS-901', 'in_A', '700.00'), ('902', 'NS-902', 'in_B', '450.00')`,
  );
  await runFamily(t.warehouse, family, {
    config: parseConfig(settings),
    asOf: "2026-11-22T00:00:00Z",
    runId: "seed",
    log,
  });
}, 60_000);
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("trueup recon", () => {
  it("list prints the open items, largest first; --json carries them", async () => {
    const r = await cli(["--json", "recon", "list"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      items: { key: string; amountReporting: number; reviewState: string }[];
    };
    expect(out.items.map((i) => [i.key, i.amountReporting, i.reviewState])).toEqual([
      ["stripe:in_A", 300, "unreviewed"],
      ["stripe:in_B", 50, "unreviewed"],
    ]);
    const text = await cli(["recon", "list", "--state", "unreviewed"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/stripe:in_A\s+invoice_amount_mismatch/);
    expect(text.stdout).toMatch(/difference/);
    // The owner team, age and amount filters are the warehouse's; a negative amount is a usage error.
    const keys = async (...args: string[]) =>
      (
        JSON.parse((await cli(["--json", "recon", "list", ...args])).stdout) as { items: { key: string }[] }
      ).items.map((i) => i.key);
    expect(await keys("--min-amount", "100")).toEqual(["stripe:in_A"]);
    expect(await keys("--min-age", "1")).toEqual([]);
    expect(await keys("--team", "nobody")).toEqual([]);
    const bad = await cli(["recon", "list", "--min-amount", "-5"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the minimum amount must be a number of at least 0/);
  }, 120_000);

  it("show puts both systems' staging records side by side", async () => {
    const r = await cli(["recon", "show", "stripe:in_A"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stripe staging\.stripe__invoices\s+netsuite staging\.netsuite__transaction/);
    expect(r.stdout).toMatch(/number\s+INV-0001/);
    expect(r.stdout).toMatch(/foreigntotal\s+700\.00/);
    expect(r.stdout).toMatch(/opened/);
  }, 60_000);

  it("sign-off is refused (exit 1) listing the material item, and succeeds (exit 0) once it is explained; the actor is --by, else TRUEUP_USER", async () => {
    const refused = await cli(["recon", "signoff", "--period", "2026-11", "--by", "carla"]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/refused: 1 open item not explained above the materiality of 100/);
    expect(refused.stdout).toMatch(/stripe:in_A/);
    expect(refused.stdout).not.toMatch(/stripe:in_B/);

    const assigned = await cli(["recon", "assign", "stripe:in_A", "--to", "bob"], { TRUEUP_USER: "ann" });
    expect(assigned.code, assigned.stderr).toBe(0);
    const explained = await cli([
      "recon",
      "explain",
      "stripe:in_A",
      "--reason",
      "known_difference",
      "--note",
      "discount booked in NetSuite only",
      "--by",
      "bob",
    ]);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toMatch(/explained: invoice_amount_mismatch stripe:in_A/);

    const signed = await cli(["--json", "recon", "signoff", "--period", "2026-11"], { TRUEUP_USER: "carla" });
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout)).toMatchObject({
      ok: true,
      signoff: { period: "2026-11", entity: "all", signedBy: "carla" },
    });

    const events = await t.warehouse.query(
      `SELECT event, actor FROM recon.discrepancy_events WHERE key IN ('stripe:in_A', '2026-11/all') ORDER BY id`,
    );
    expect(events).toEqual([
      { event: "opened", actor: null },
      { event: "assigned", actor: "ann" },
      { event: "explained", actor: "bob" },
      { event: "signed_off", actor: "carla" },
    ]);
    const reopened = await cli(["recon", "reopen", "stripe:in_A", "--by", "dora"]);
    expect(reopened.code, reopened.stderr).toBe(0);
    const [row] = await t.warehouse.query(
      `SELECT review_state, reviewed_by FROM recon.discrepancy WHERE key = 'stripe:in_A'`,
    );
    expect(row).toEqual({ review_state: "unreviewed", reviewed_by: "dora" });
  }, 120_000);

  it("usage errors exit 2 and name what is wrong", async () => {
    const unknown = await cli([
      "recon",
      "assign",
      "stripe:in_A",
      "stripe:in_ZZZ",
      "--to",
      "bob",
      "--by",
      "x",
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown discrepancy key stripe:in_ZZZ/);
    const reason = await cli([
      "recon",
      "explain",
      "stripe:in_B",
      "--reason",
      "vibes",
      "--note",
      "n",
      "--by",
      "x",
    ]);
    expect(reason.code).toBe(2);
    expect(reason.stderr).toMatch(
      /unknown reason code vibes: use one of timing, known_difference, fixed_at_source, write_off, other/,
    );
    const period = await cli(["recon", "signoff", "--period", "November", "--by", "x"]);
    expect(period.code).toBe(2);
    expect(period.stderr).toMatch(/period November is not a month: write it YYYY-MM/);
    // Nothing changed by the refused commands.
    const [b] = await t.warehouse.query(
      `SELECT review_state, assignee FROM recon.discrepancy WHERE key = 'stripe:in_B'`,
    );
    expect(b).toEqual({ review_state: "unreviewed", assignee: null });
  }, 120_000);
});
