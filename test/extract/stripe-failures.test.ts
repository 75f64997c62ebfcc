import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { runExtract } from "../../extract/run-extract.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { sandboxWorld, silentLog, type SandboxWorld } from "../helpers/sandbox-world.js";

/**
 * The Stripe failures peers' connectors ship, each against the sandbox: objects that become
 * visible late, a saved position older than the 30 days /v1/events keeps, and invoices with more
 * than the 10 lines an invoice object embeds.
 */
type Rec = Record<string, unknown>;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(seed: number): Promise<{ w: SandboxWorld; t: TestDatabase }> {
  const w = await sandboxWorld(seed, 0.1);
  const t = await createTestDatabase();
  cleanup.push(
    () => w.close(),
    () => t.drop(),
  );
  return { w, t };
}

async function stripe(
  t: TestDatabase,
  w: SandboxWorld,
  runId: string,
  lookbackSeconds?: number,
  log = silentLog,
) {
  const raw = JSON.parse(JSON.stringify(w.config)) as { sources: { stripe: Rec } };
  if (lookbackSeconds !== undefined) raw.sources.stripe.lookbackSeconds = lookbackSeconds;
  const out = await runExtract({
    warehouse: t.warehouse,
    config: parseConfig(raw),
    credentials: w.credentials,
    runId,
    log,
    selection: ["stripe"],
  });
  expect(out.filter((o) => o.status !== "succeeded")).toEqual([]);
  return out;
}

async function stagedCustomer(t: TestDatabase, id: string): Promise<Rec | undefined> {
  const [r] = await t.warehouse.query<{ p: Rec }>(
    `SELECT _trueup_payload AS p FROM staging.stripe__customers WHERE id = $1`,
    [id],
  );
  return r?.p;
}

/**
 * A customer created a minute before the newest customer the last extract saw, but visible to
 * list calls only now (Stripe's lists are eventually consistent).
 */
function lateCustomer(w: SandboxWorld, id: string): void {
  const all = w.sandbox.store.list("stripe", "customers");
  const newest = Math.max(...all.map((c) => Number(c.created)));
  w.sandbox.store.put("stripe", "customers", {
    ...structuredClone(all[0]!),
    id,
    created: newest - 60,
    email: `${id}@late.example`,
  });
}

describe("Stripe failures peers ship", () => {
  it("an object visible late (created before the cursor, listed only later) is caught by the lookback", async () => {
    const { w, t } = await setup(51);
    await stripe(t, w, "s1");
    w.sandbox.store.advance(30_000);
    // Created before the first extract's newest customer, visible only now: a cursor on
    // `created` with no overlap never asks for it again.
    lateCustomer(w, "cus_LATE0001");
    await stripe(t, w, "s2");
    expect((await stagedCustomer(t, "cus_LATE0001"))?.email).toBe("cus_LATE0001@late.example");

    // The same with the overlap switched off: missed (so the test above can fail).
    const { w: w2, t: t2 } = await setup(51);
    await stripe(t2, w2, "s1", 0);
    w2.sandbox.store.advance(30_000);
    lateCustomer(w2, "cus_LATE0001");
    await stripe(t2, w2, "s2", 0);
    expect(await stagedCustomer(t2, "cus_LATE0001")).toBeUndefined();
  });

  it("a saved position older than the 30 days of /v1/events re-reads the streams instead of leaving a gap", async () => {
    const { w, t } = await setup(52);
    await stripe(t, w, "s1");
    const target = w.sandbox.store.list("stripe", "customers").find((c) => c.deleted !== true)!;
    const id = String(target.id);
    w.sandbox.store.advance(3_600_000);
    w.sandbox.store.patch("stripe", "customers", id, { email: "changed-long-ago@example.com" });
    // 31 days later the customer.updated event has aged out of /v1/events.
    w.sandbox.store.advance(31 * 86_400_000);
    const lines: string[] = [];
    const log = createLogger({
      level: "warn",
      destination: { write: (s: string) => (lines.push(s), true) } as never,
      pretty: false,
    });
    const before = w.sandbox.requestLog.length;
    await stripe(t, w, "s2", undefined, log);
    expect((await stagedCustomer(t, id))?.email).toBe("changed-long-ago@example.com");
    // It says so, stream by stream, and re-read the lists from the start (no created filter).
    expect(
      lines.filter((l) => l.includes("older than the 30 days of /v1/events")).length,
    ).toBeGreaterThanOrEqual(6);
    const relisted = w.sandbox.requestLog
      .slice(before)
      .filter((r) => r.path === "/v1/customers" && r.query["created[gte]"] === undefined);
    expect(relisted.length).toBeGreaterThan(0);
  });

  it("invoice lines beyond the first 10 are fetched", async () => {
    const { w, t } = await setup(53);
    const inv = w.sandbox.store.list("stripe", "invoices").find((i) => {
      const data = (i.lines as { data?: Rec[] } | undefined)?.data;
      return data && data.length > 0;
    })!;
    const lines = (inv.lines as { data: Rec[] }).data;
    const many = Array.from({ length: 27 }, (_, k) => ({
      ...structuredClone(lines[0]!),
      id: `il_MANY${String(k).padStart(4, "0")}`,
    }));
    w.sandbox.store.put("stripe", "invoices", {
      ...inv,
      lines: { ...(inv.lines as Rec), data: many, total_count: 27 },
    });
    await stripe(t, w, "s1");
    const [row] = await t.warehouse.query<{ n: number; ids: string[] }>(
      `SELECT jsonb_array_length(_trueup_payload->'lines'->'data') AS n,
              ARRAY(SELECT jsonb_array_elements(_trueup_payload->'lines'->'data')->>'id') AS ids
         FROM staging.stripe__invoices WHERE id = $1`,
      [inv.id],
    );
    expect(row!.n).toBe(27);
    expect(row!.ids).toEqual(many.map((l) => l.id));
    expect(w.sandbox.requestLog.some((r) => r.path === `/v1/invoices/${String(inv.id)}/lines`)).toBe(true);
  });
});
