import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { runExtract } from "../../extract/run-extract.js";
import { parseNetsuiteDateTime } from "../../sandbox/emulators/store.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { sandboxWorld, silentLog, type SandboxWorld } from "../helpers/sandbox-world.js";

/**
 * NetSuite failures peers ship: dates read in the wrong order (or cursors cut to the day) when
 * the account's date format is not the US one, and offset paging that stops at SuiteQL's
 * 100,000-result ceiling.
 */
type Rec = Record<string, unknown>;
type Format = "D/M/YYYY" | "DD.MM.YYYY" | "YYYY-MM-DD";
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(seed: number, format?: Format): Promise<{ w: SandboxWorld; t: TestDatabase }> {
  const w = await sandboxWorld(seed, 0.1, format ? { options: { netsuiteDateFormat: format } } : {});
  const t = await createTestDatabase();
  cleanup.push(
    () => w.close(),
    () => t.drop(),
  );
  return { w, t };
}

async function netsuite(t: TestDatabase, w: SandboxWorld, runId: string, stream?: string, format?: Format) {
  const raw = JSON.parse(JSON.stringify(w.config)) as { sources: { netsuite: Rec } };
  if (format) raw.sources.netsuite.dateFormat = format;
  const out = await runExtract({
    warehouse: t.warehouse,
    config: parseConfig(raw),
    credentials: w.credentials,
    runId,
    log: silentLog,
    selection: [stream ? `netsuite.${stream}` : "netsuite"],
  });
  expect(out.filter((o) => o.status !== "succeeded")).toEqual([]);
  return out;
}

const iso = (nsDate: string) => parseNetsuiteDateTime(nsDate)!.toISOString().slice(0, 10);

describe("NetSuite failures peers ship", () => {
  it.each<Format>(["D/M/YYYY", "DD.MM.YYYY", "YYYY-MM-DD"])(
    "account date format %s: every date lands right and an edit later the same day is picked up",
    async (format) => {
      const { w, t } = await setup(61, format);
      const out = await netsuite(t, w, "n1", undefined, format);
      expect(out.reduce((n, o) => n + (o.rejects ?? 0), 0)).toBe(0);
      const txns = w.sandbox.store.list("netsuite", "transaction");
      const staged = new Map(
        (
          await t.warehouse.query<{ id: string; trandate: string }>(
            `SELECT id, CAST(trandate AS text) AS trandate FROM staging.netsuite__transaction`,
          )
        ).map((r) => [r.id, r.trandate]),
      );
      // Day-first dates read month-first would swap (or reject) every date up to the 12th.
      const wrong = txns.filter((x) => staged.get(String(x.id)) !== iso(String(x.trandate)));
      expect(wrong.map((x) => [x.id, x.trandate, staged.get(String(x.id))])).toEqual([]);

      // Two edits of one transaction on one day, hours apart: a cursor kept to the day (or to the
      // minute in a day-first string read month-first) misses the second.
      const target = txns.find((x) => x.type === "CustInvc")!;
      const id = String(target.id);
      w.sandbox.store.advance(60_000);
      w.sandbox.store.patch("netsuite", "transaction", id, { memo: "first edit" });
      await netsuite(t, w, "n2", "transaction", format);
      w.sandbox.store.advance(3 * 3_600_000);
      w.sandbox.store.patch("netsuite", "transaction", id, { memo: "second edit" });
      const before = w.sandbox.requestLog.length;
      await netsuite(t, w, "n3", "transaction", format);
      const [row] = await t.warehouse.query<{ memo: string }>(
        `SELECT _trueup_payload->>'memo' AS memo FROM staging.netsuite__transaction WHERE id = $1`,
        [id],
      );
      expect(row!.memo).toBe("second edit");
      // …and only changed rows were read, not the whole table again.
      expect(w.sandbox.requestLog.slice(before).filter((r) => r.system === "netsuite").length).toBeLessThan(
        5,
      );
    },
  );

  it("more than 100,000 rows come through key-set paging, never an offset", async () => {
    const { w, t } = await setup(62);
    const lines = [...w.sandbox.store.list("netsuite", "transactionline")];
    const base = lines[0]!;
    for (let i = lines.length; i < 100_500; i++)
      lines.push({ ...base, id: `9${String(i).padStart(8, "0")}-1`, linesequencenumber: "1" });
    w.sandbox.store.setTable("netsuite", "transactionline", lines);
    const before = w.sandbox.requestLog.length;
    await netsuite(t, w, "big", "transactionline");
    const [n] = await t.warehouse.query<{ n: string; keys: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS keys FROM staging.netsuite__transactionline`,
    );
    expect([Number(n!.n), Number(n!.keys)]).toEqual([100_500, 100_500]);
    const reads = w.sandbox.requestLog
      .slice(before)
      .filter((r) => r.system === "netsuite" && r.method === "POST");
    expect(reads.length).toBeGreaterThan(100);
    expect(reads.filter((r) => Number(r.query.offset ?? 0) !== 0)).toEqual([]);
  });
});
