import { readFileSync } from "node:fs";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCredentials } from "../../config/credentials.js";
import { parseConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { stripeSource } from "../../extract/sources/stripe/source.js";
import { loadModelDefinitions } from "../../models/project.js";
import { pipelineDag } from "../../orchestration/pipeline.js";
import { runDag } from "../../orchestration/runner.js";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { readWorldManifest } from "../../sandbox/world/read.js";
import { sandboxWorld, silentLog as log, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { STRIPE_OBJECT_OF_FILE as FILES } from "../helpers/stripe-objects.js";

type Rec = Record<string, unknown>;
const reference = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../../sandbox/world/reference/stripe-fields.json"), "utf8"),
) as { versions: Record<string, { source: Rec; objects: Record<string, Record<string, string>> }> };
const CLOVER = "2025-09-30.clover";
const ACACIA = "2024-06-20";
const snapshot = (version: string, object: string) =>
  Object.keys(reference.versions[version]!.objects[object]!).sort();

let w: SandboxWorld;
let asOf: string;
const dbs: TestDatabase[] = [];
const sandboxes: RunningSandbox[] = [];

beforeAll(async () => {
  w = await sandboxWorld(41, 0.05);
  asOf = (await readWorldManifest(w.dir)).as_of;
}, 120_000);
afterAll(async () => {
  for (const d of dbs) await d.drop();
  for (const s of sandboxes) await s.close();
  await w?.close();
});

async function get(pathAndQuery: string, version?: string) {
  const res = await fetch(`${w.credentials.stripe!.apiBase}${pathAndQuery}`, {
    headers: {
      authorization: `Bearer ${w.credentials.stripe!.apiKey}`,
      ...(version ? { "stripe-version": version } : {}),
    },
  });
  return { status: res.status, version: res.headers.get("stripe-version"), body: (await res.json()) as Rec };
}

async function listAll(resource: string, version: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let after: string | undefined;
  for (;;) {
    const q = `limit=100${resource === "subscriptions" ? "&status=all" : ""}${after ? `&starting_after=${after}` : ""}`;
    const r = await get(`/v1/${resource}?${q}`, version);
    expect(r.status, resource).toBe(200);
    const data = r.body.data as Rec[];
    out.push(...data);
    if (!r.body.has_more) return out;
    after = String(data.at(-1)!.id);
  }
}

describe("sources.stripe.apiVersion", () => {
  const stripe = (extra: Rec) => parseConfig({ sources: { stripe: extra } });
  it("defaults to clover, refuses a malformed version, and adds invoice_payments only from basil on", () => {
    expect(stripe({}).sources.stripe!.apiVersion).toBe(CLOVER);
    expect(() => stripe({ apiVersion: "latest" })).toThrow(/apiVersion/);
    const streams = ["customers", "charges"];
    expect(stripeSource.declaredStreams(stripe({ streams }))).toEqual([...streams, "invoice_payments"]);
    expect(stripeSource.declaredStreams(stripe({ streams, apiVersion: ACACIA }))).toEqual(streams);
    expect(stripeSource.declaredStreams(stripe({ apiVersion: ACACIA }))).not.toContain("invoice_payments");
    expect(() =>
      stripeSource.declaredStreams(stripe({ streams: ["invoice_payments"], apiVersion: ACACIA })),
    ).toThrow(/invoice_payments.*2024-06-20.*basil/);
  });
});

describe("Stripe API versions", () => {
  it("the snapshot names where its field lists come from", () => {
    for (const v of [CLOVER, ACACIA]) {
      expect(reference.versions[v]!.source).toMatchObject({
        repo: "stripe/openapi",
        path: "openapi/fixtures3.json",
      });
      expect(String(reference.versions[v]!.source.commit)).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it("the world's Stripe files hold every top-level field of the clover snapshot, nested items and lines too", () => {
    for (const [file, object] of Object.entries(FILES)) {
      const rows = w.jsonl(`stripe/${file}.jsonl`);
      expect(rows.length, file).toBeGreaterThan(0);
      for (const r of rows)
        expect(Object.keys(r).sort(), `${file} ${String(r.id)}`).toEqual(snapshot(CLOVER, object));
    }
    for (const s of w.jsonl("stripe/subscriptions.jsonl"))
      for (const it of (s.items as { data: Rec[] }).data)
        expect(Object.keys(it).sort()).toEqual(snapshot(CLOVER, "subscription_item"));
    for (const i of w.jsonl("stripe/invoices.jsonl"))
      for (const l of (i.lines as { data: Rec[] }).data)
        expect(Object.keys(l).sort()).toEqual(snapshot(CLOVER, "line_item"));
    // Basil moved these: none of them is in a clover record.
    const charge = w.jsonl("stripe/charges.jsonl")[0]!;
    expect(charge).not.toHaveProperty("invoice");
    expect(w.jsonl("stripe/subscriptions.jsonl")[0]).not.toHaveProperty("current_period_start");
  });

  it("the emulator answers in the version asked for: acacia's fields and links, clover by default, an invalid version refused", async () => {
    const none = await get("/v1/charges?limit=1");
    expect(none.version).toBe(CLOVER);
    expect(Object.keys((none.body.data as Rec[])[0]!).sort()).toEqual(snapshot(CLOVER, "charge"));
    const bad = await get("/v1/charges?limit=1", "yesterday");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("Invalid Stripe API version: yesterday");
    expect((await get("/v1/invoice_payments?limit=1", ACACIA)).status).toBe(404);

    for (const [resource, object] of Object.entries(FILES)) {
      if (resource === "invoice_payments") continue;
      const rows = await listAll(resource, ACACIA);
      for (const r of rows)
        expect(Object.keys(r).sort(), `${resource} ${String(r.id)}`).toEqual(snapshot(ACACIA, object));
    }
    // The links basil moved are back where acacia has them, and agree with the clover objects.
    const payments = await listAll("invoice_payments", CLOVER);
    const clover = new Map((await listAll("charges", CLOVER)).map((c) => [c.id, c]));
    const invoiceOfIntent = new Map(
      payments.map((p) => [(p.payment as { payment_intent: string }).payment_intent, p.invoice]),
    );
    const acaciaCharges = await listAll("charges", ACACIA);
    expect(acaciaCharges.filter((c) => c.invoice).length).toBeGreaterThan(0);
    for (const c of acaciaCharges)
      expect(c.invoice ?? null, String(c.id)).toBe(
        invoiceOfIntent.get(String(clover.get(c.id)!.payment_intent)) ?? null,
      );
    const cloverSubs = new Map((await listAll("subscriptions", CLOVER)).map((s) => [s.id, s]));
    for (const s of await listAll("subscriptions", ACACIA)) {
      const item = (cloverSubs.get(s.id)!.items as { data: Rec[] }).data[0]!;
      expect([s.current_period_start, s.current_period_end]).toEqual([
        item.current_period_start,
        item.current_period_end,
      ]);
      expect(s.current_period_start).toEqual(expect.any(Number));
    }
    const cloverInvoices = new Map((await listAll("invoices", CLOVER)).map((i) => [i.id, i]));
    for (const i of await listAll("invoices", ACACIA)) {
      const parent = cloverInvoices.get(i.id)!.parent as {
        subscription_details?: { subscription: string };
      } | null;
      expect(i.subscription ?? null).toBe(parent?.subscription_details?.subscription ?? null);
      expect(i.paid).toBe(i.status === "paid");
    }
  });

  it("the official stripe-node pinned to acacia gets charges with their invoice, and its own clover without", async () => {
    const u = new URL(w.credentials.stripe!.apiBase);
    const sdk = (apiVersion?: string) =>
      new Stripe(w.credentials.stripe!.apiKey, {
        host: u.hostname,
        port: Number(u.port),
        protocol: "http",
        ...(apiVersion ? { apiVersion: apiVersion as never } : {}),
      });
    const old: Rec[] = [];
    for await (const c of sdk(ACACIA).charges.list({ limit: 100 })) old.push(c as unknown as Rec);
    expect(old.length).toBe(w.jsonl("stripe/charges.jsonl").length);
    expect(old.filter((c) => typeof c.invoice === "string").length).toBe(
      w.jsonl("stripe/invoice_payments.jsonl").length,
    );
    const current = await sdk().charges.list({ limit: 3 });
    for (const c of current.data) expect(c).not.toHaveProperty("invoice");
    const paid = await sdk().invoicePayments.list({ limit: 3 });
    expect(paid.data.length).toBe(3);
  });

  it("the DAG on acacia and on clover of one world gives the same canonical tables and discrepancies, value for value", async () => {
    // Each version against its own sandbox of the world, so neither run sees what the other did
    // to the emulators' state (request windows, rate limits).
    async function run(version: string) {
      const t = await createTestDatabase();
      dbs.push(t);
      const sandbox = await startSandbox({ worldDir: w.dir, port: 0 });
      sandboxes.push(sandbox);
      const credentials = readCredentials({ ...sandbox.env });
      const raw = JSON.parse(JSON.stringify(w.config)) as { sources: { stripe: Rec } };
      raw.sources.stripe = { ...raw.sources.stripe, apiVersion: version };
      const config: Config = parseConfig(raw);
      const models = await loadModelDefinitions(config);
      const result = await runDag({
        dag: pipelineDag(config, models, { asOf }),
        context: {
          warehouse: t.warehouse,
          config,
          credentials,
          models,
          runId: `versions-${version}`,
          log,
          asOf,
          fullRefresh: false,
        },
      });
      expect(
        result.nodes.filter((n) => n.status !== "succeeded").map((n) => `${n.node}: ${n.error}`),
        version,
      ).toEqual([]);
      return t;
    }
    const acacia = await run(ACACIA);
    const clover = await run(CLOVER);

    // Each read its own version: acacia's charges name their invoice, clover's have invoice payments.
    const cols = (t: TestDatabase, table: string) =>
      t.warehouse.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = $1`,
        [table],
      );
    expect((await cols(acacia, "stripe__charges")).map((c) => c.column_name)).toContain("invoice");
    expect((await cols(clover, "stripe__charges")).map((c) => c.column_name)).not.toContain("invoice");
    expect((await cols(acacia, "stripe__invoice_payments")).length).toBe(0);
    expect((await cols(clover, "stripe__invoice_payments")).length).toBeGreaterThan(0);

    const linked = await clover.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM canonical.payment WHERE stripe_charge_id IS NOT NULL AND stripe_invoice_id IS NOT NULL`,
    );
    expect(Number(linked[0]!.n)).toBeGreaterThan(0);

    const tables = [
      "customer",
      "customer_xref",
      "contract",
      "invoice",
      "payment",
      "refund",
      "credit_note",
      "customer_health",
    ];
    const dump = async (t: TestDatabase, sql: string) =>
      (await t.warehouse.query<{ j: string }>(`SELECT j::text AS j FROM (${sql}) z ORDER BY 1`)).map(
        (r) => r.j,
      );
    for (const table of tables) {
      const sql = `SELECT to_jsonb(x) - '_trueup_run_id' - '_trueup_built_at' AS j FROM canonical.${table} x`;
      const a = await dump(acacia, sql);
      expect(a.length, table).toBeGreaterThan(0);
      expect(await dump(clover, sql), table).toEqual(a);
    }
    const recon = `SELECT jsonb_build_object('category', category, 'key', key, 'customer_id', customer_id,
                     'left', left_value, 'right', right_value, 'delta', delta, 'currency', currency, 'status', status) AS j
                     FROM recon.discrepancy`;
    const a = await dump(acacia, recon);
    expect(a.length).toBeGreaterThan(0);
    expect(await dump(clover, recon)).toEqual(a);
  }, 300_000);
});
