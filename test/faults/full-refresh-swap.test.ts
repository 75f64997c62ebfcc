import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStream, readCursor } from "../../load/index.js";
import type { ExtractBatch, StreamDescriptor } from "../../load/interfaces.js";
import { from } from "../helpers/batches.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/** loadStream's full refresh: replaced in one swap, views kept, a failing source leaves the old stream whole. */
describe("full refresh swap", () => {
  let t: TestDatabase;
  const desc: StreamDescriptor = { source: "zendesk", stream: "swap_test", primaryKey: ["id"] };
  const rows = async () =>
    t.warehouse.query<{ id: string; amount: string | null }>(
      `SELECT id::text, amount::text FROM staging.zendesk__swap_test ORDER BY id`,
    );
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadStream(
      t.warehouse,
      desc,
      from([{ records: [1, 2, 3].map((id) => ({ id, amount: id * 10 })), cursor: { at: 1 } }]),
      { runId: "r1" },
    );
    await t.warehouse.query(`CREATE VIEW public.swap_ids AS SELECT id FROM staging.zendesk__swap_test`);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("replaces rows, keeps views, widens a column no view reads, moves the cursor", async () => {
    const r = await loadStream(
      t.warehouse,
      desc,
      from([
        {
          records: [
            { id: 2, amount: "twenty" },
            { id: 4, amount: 40 },
          ],
          cursor: { at: 2 },
        },
      ]),
      { runId: "r2", fullRefresh: true },
    );
    expect(r.stream).toBe("swap_test");
    expect(await rows()).toEqual([
      { id: "2", amount: "twenty" },
      { id: "4", amount: "40" },
    ]);
    expect(await t.warehouse.query(`SELECT id::text FROM public.swap_ids ORDER BY id`)).toEqual([
      { id: "2" },
      { id: "4" },
    ]);
    expect(await readCursor(t.warehouse, "zendesk", "swap_test")).toEqual({ at: 2 });
    expect(await readCursor(t.warehouse, "zendesk", "swap_test__refresh")).toBeUndefined();
    const leftovers = await t.warehouse.query(
      `SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE '%swap_test__refresh'`,
    );
    expect(leftovers).toEqual([]);
    // raw keeps its history: the first load's rows and the refresh's.
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM raw.zendesk__swap_test`)).toEqual([
      { n: 5 },
    ]);
  });

  it("a refresh whose source fails part-way leaves the stream as it was", async () => {
    const before = await rows();
    async function* failing(): AsyncGenerator<ExtractBatch> {
      yield { records: [{ id: 9, amount: 90 }], cursor: { at: 9 } };
      throw new Error("vendor went away");
    }
    await expect(
      loadStream(t.warehouse, desc, failing(), { runId: "r3", fullRefresh: true }),
    ).rejects.toThrow("vendor went away");
    expect(await rows()).toEqual(before);
    expect(await readCursor(t.warehouse, "zendesk", "swap_test")).toEqual({ at: 2 });
    // The next full refresh starts over from nothing it left.
    await loadStream(t.warehouse, desc, from([{ records: [{ id: 5, amount: 50 }] }]), {
      runId: "r4",
      fullRefresh: true,
    });
    expect(await rows()).toEqual([{ id: "5", amount: "50" }]);
  });

  it("a column a view reads that would have to change type fails the refresh, naming it, and leaves the data", async () => {
    await t.warehouse.query(
      `CREATE VIEW public.swap_amounts AS SELECT id, amount FROM staging.zendesk__swap_test`,
    );
    const before = await rows();
    const err = await loadStream(t.warehouse, desc, from([{ records: [{ id: 6, amount: [1, 2] }] }]), {
      runId: "r5",
      fullRefresh: true,
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain("full refresh of zendesk.swap_test: column amount is");
    expect(err!.message).toContain("Drop or change the views that read the column");
    expect(await rows()).toEqual(before);
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM public.swap_amounts`)).toEqual([
      { n: before.length },
    ]);
  });
});
