import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStream, readCursor } from "../../load/index.js";
import type { ExtractBatch, StreamDescriptor } from "../../load/interfaces.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { from } from "../helpers/batches.js";
import { stagingFingerprint } from "../../models/state.js";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const accounts: StreamDescriptor = {
  source: "salesforce",
  stream: "Account",
  primaryKey: ["id"],
  versionColumn: "system_modstamp",
  columnTypes: { system_modstamp: "timestamptz", id: "text" },
};

describe("loadStream", () => {
  it("lands raw append-only, keeps one staging row per key where the latest version wins, names columns per contract", async () => {
    const wh = t.warehouse;
    const r = await loadStream(
      wh,
      accounts,
      from([
        {
          records: [
            {
              attributes: { type: "Account", url: "/x" },
              Id: "001A",
              Name: "Acme",
              SystemModstamp: "2026-01-02T00:00:00.000+0000",
              Contract_Start_Date__c: "2026-01-01",
            },
            { Id: "001B", Name: "Beta", SystemModstamp: "2026-01-01T00:00:00.000+0000" },
          ],
          cursor: { at: "2026-01-02" },
        },
        {
          // An older version of 001A arriving late must not win; a newer 001B must.
          records: [
            { Id: "001A", Name: "Acme (old)", SystemModstamp: "2026-01-01T00:00:00.000+0000" },
            { Id: "001B", Name: "Beta v2", SystemModstamp: "2026-01-03T00:00:00.000+0000" },
          ],
          cursor: { at: "2026-01-03" },
        },
      ]),
      { runId: "run-1" },
    );
    expect(r).toMatchObject({ rows: 4, batches: 2, rejects: 0, cursor: { at: "2026-01-03" } });
    const staged = await wh.query(
      `SELECT id, name, contract_start_date__c, _trueup_deleted, _trueup_payload->>'Name' AS payload_name
         FROM staging.salesforce__account ORDER BY id`,
    );
    expect(staged).toEqual([
      {
        id: "001A",
        name: "Acme",
        contract_start_date__c: "2026-01-01",
        _trueup_deleted: false,
        payload_name: "Acme",
      },
      {
        id: "001B",
        name: "Beta v2",
        contract_start_date__c: null,
        _trueup_deleted: false,
        payload_name: "Beta v2",
      },
    ]);
    const raw = await wh.query(`SELECT _trueup_run_id, _trueup_source FROM raw.salesforce__account`);
    expect(raw).toHaveLength(4);
    expect(raw[0]).toEqual({ _trueup_run_id: "run-1", _trueup_source: "salesforce" });
    expect(await readCursor(wh, "salesforce", "Account")).toEqual({ at: "2026-01-03" });
    const types = Object.fromEntries(
      (await wh.columns({ schema: "staging", name: "salesforce__account" })).map((c) => [c.name, c.type]),
    );
    expect(types).toMatchObject({
      id: "text",
      system_modstamp: "timestamptz",
      name: "text",
      _trueup_payload: "jsonb",
    });
    expect(types).not.toHaveProperty("attributes__type");
  });

  it("keeps digit strings as strings and flattens nested objects with __", async () => {
    const wh = t.warehouse;
    await loadStream(
      wh,
      { source: "stripe", stream: "customers", primaryKey: ["id"] },
      from([
        {
          records: [
            {
              id: "cus_1",
              created: 1760000000,
              metadata: { salesforce_account_id: "001000000000000123", code: "000123456789012345678" },
            },
            { id: "cus_2", created: 1760000001, metadata: { code: "821580000000000000" } },
          ],
        },
      ]),
      { runId: "run-2" },
    );
    const rows = await wh.query(
      `SELECT id, created, metadata__salesforce_account_id AS sf, metadata__code AS code FROM staging.stripe__customers ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: "cus_1", created: "1760000000", sf: "001000000000000123", code: "000123456789012345678" },
      { id: "cus_2", created: "1760000001", sf: null, code: "821580000000000000" },
    ]);
  });

  it("a field that changes type widens its column instead of stalling the stream", async () => {
    const wh = t.warehouse;
    const desc: StreamDescriptor = { source: "zendesk", stream: "tickets", primaryKey: ["id"] };
    await loadStream(wh, desc, from([{ records: [{ id: 1, score: 10, tag: "a" }] }]), { runId: "r" });
    const r = await loadStream(
      wh,
      desc,
      from([
        { records: [{ id: 2, score: 10.25, tag: "b" }] },
        { records: [{ id: 3, score: "high", tag: ["x", "y"], brand_new: true }] },
        { records: [{ id: 4, score: 7, tag: "d" }] },
      ]),
      { runId: "r" },
    );
    expect(r.rows).toBe(3);
    expect(r.widenedColumns.sort()).toEqual(["score", "score", "tag"].sort());
    expect(r.addedColumns).toEqual(["brand_new"]);
    const rows = await wh.query(`SELECT id, score, tag, brand_new FROM staging.zendesk__tickets ORDER BY id`);
    expect(rows).toEqual([
      { id: "1", score: "10", tag: "a", brand_new: null },
      { id: "2", score: "10.25", tag: "b", brand_new: null },
      { id: "3", score: "high", tag: ["x", "y"], brand_new: true },
      { id: "4", score: "7", tag: "d", brand_new: null },
    ]);
  });

  it("a value that does not fit a declared type goes NULL in its column, stays in the payload, and the row loads", async () => {
    const wh = t.warehouse;
    const r = await loadStream(
      wh,
      {
        source: "netsuite",
        stream: "transaction",
        primaryKey: ["id"],
        columnTypes: { trandate: "date", foreigntotal: "numeric" },
      },
      from([
        {
          records: [
            { id: "10", trandate: "2026-02-30x", foreigntotal: "12.50" },
            { id: "11", trandate: "2026-02-01", foreigntotal: "n/a" },
          ],
        },
      ]),
      { runId: "r" },
    );
    expect(r.typeIssues).toBe(2);
    const rows = await wh.query(
      `SELECT id, trandate::text AS trandate, foreigntotal, _trueup_payload->>'trandate' AS p FROM staging.netsuite__transaction ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: "10", trandate: null, foreigntotal: "12.50", p: "2026-02-30x" },
      { id: "11", trandate: "2026-02-01", foreigntotal: null, p: "2026-02-01" },
    ]);
  });

  it("a record without its key is rejected with position and field; the rest loads", async () => {
    const wh = t.warehouse;
    const r = await loadStream(
      wh,
      { source: "erp_files", stream: "payments", primaryKey: ["payment_no"] },
      from([
        {
          records: [
            { payment_no: "P1", amount: "1" },
            { payment_no: "", amount: "2" },
          ],
          positions: ["payments_1.csv:2", "payments_1.csv:3"],
        },
      ]),
      { runId: "r" },
    );
    expect(r).toMatchObject({ rows: 1, rejects: 1 });
    const rejects = await wh.query(
      `SELECT position, field, reason FROM trueup.rejects WHERE stream = 'payments'`,
    );
    expect(rejects).toEqual([
      { position: "payments_1.csv:3", field: "payment_no", reason: "missing primary key field payment_no" },
    ]);
  });

  it("tombstones: a key-only delete marks the row deleted and keeps its last values", async () => {
    const wh = t.warehouse;
    const desc: StreamDescriptor = { source: "stripe", stream: "subscriptions", primaryKey: ["id"] };
    await loadStream(
      wh,
      desc,
      from([
        {
          records: [
            { id: "sub_1", status: "active" },
            { id: "sub_2", status: "active" },
          ],
        },
      ]),
      { runId: "r" },
    );
    await loadStream(wh, desc, from([{ records: [], deletes: [{ id: "sub_1", deleted: true }] }]), {
      runId: "r",
    });
    const rows = await wh.query(
      `SELECT id, status, _trueup_deleted AS deleted, _trueup_payload->>'status' AS p FROM staging.stripe__subscriptions ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: "sub_1", status: "active", deleted: true, p: "active" },
      { id: "sub_2", status: "active", deleted: false, p: "active" },
    ]);
  });

  it("a failure mid-stream keeps every committed batch with its cursor and nothing of the failed one", async () => {
    const wh = t.warehouse;
    const desc: StreamDescriptor = { source: "zendesk", stream: "organizations", primaryKey: ["id"] };
    async function* failing(): AsyncGenerator<ExtractBatch> {
      yield { records: [{ id: 1 }, { id: 2 }], cursor: { start_time: 100 } };
      yield { records: [{ id: 3 }], cursor: { start_time: 200 } };
      throw new Error("connection reset");
    }
    await expect(loadStream(wh, desc, failing(), { runId: "r" })).rejects.toThrow("connection reset");
    expect(await readCursor(wh, "zendesk", "organizations")).toEqual({ start_time: 200 });
    expect(await wh.query(`SELECT id FROM staging.zendesk__organizations ORDER BY id`)).toEqual([
      { id: "1" },
      { id: "2" },
      { id: "3" },
    ]);
    // Resuming re-reads from the cursor; the overlap merges instead of duplicating.
    await loadStream(wh, desc, from([{ records: [{ id: 3 }, { id: 4 }], cursor: { start_time: 300 } }]), {
      runId: "r2",
    });
    expect(await wh.query(`SELECT count(*)::int AS n FROM staging.zendesk__organizations`)).toEqual([
      { n: 4 },
    ]);
  });

  it("--full-refresh rebuilds staging and forgets the cursor", async () => {
    const wh = t.warehouse;
    const desc: StreamDescriptor = { source: "erp_files", stream: "customers", primaryKey: ["customer_no"] };
    await loadStream(
      wh,
      desc,
      from([{ records: [{ customer_no: "K1" }, { customer_no: "K2" }], cursor: { f: 1 } }]),
      { runId: "r" },
    );
    await loadStream(wh, desc, from([{ records: [{ customer_no: "K3" }] }]), {
      runId: "r",
      fullRefresh: true,
    });
    expect(await wh.query(`SELECT customer_no FROM staging.erp_files__customers`)).toEqual([
      { customer_no: "K3" },
    ]);
    expect(await readCursor(wh, "erp_files", "customers")).toBeUndefined();
  });

  it("a stream prepared ahead ends as a sequential load does, also when a failure stops it", async () => {
    const wh = t.warehouse;
    // New keys, repeated keys (merge), a new column, a widened one, a tombstone, a reject.
    const batches = (): ExtractBatch[] => [
      {
        records: [
          { id: "1", a: "x", n: 1 },
          { id: "2", a: "y", n: 2 },
        ],
        cursor: { p: 1 },
      },
      {
        records: [
          { id: "3", a: "z", c: true },
          { id: "1", a: "x2", n: 3 },
        ],
        cursor: { p: 2 },
      },
      { records: [{ id: "4", n: "not a number any more" }, { a: "no key" }], cursor: { p: 3 } },
      { records: [], deletes: [{ id: "2" }], cursor: { p: 4 } },
    ];
    const load = (stream: string, prepareAhead: boolean, list: AsyncIterable<ExtractBatch>) =>
      loadStream(wh, { source: "zendesk", stream, primaryKey: ["id"], prepareAhead }, list, { runId: "r" });
    const sequential = await load("seq", false, from(batches()));
    const ahead = await load("ahead", true, from(batches()));
    expect(ahead).toEqual({ ...sequential, stream: "ahead" });
    const content = (table: string) =>
      wh.query(`SELECT id, a, n, c, _trueup_deleted, _trueup_payload FROM staging.${table} ORDER BY id`);
    expect(await content("zendesk__ahead")).toEqual(await content("zendesk__seq"));
    expect((await content("zendesk__ahead")).map((r) => [r.id, r.n])).toEqual([
      ["1", "3"],
      ["2", "2"],
      ["3", null],
      ["4", "not a number any more"],
    ]);

    // A failing batch: what committed stays, the batch read ahead is dropped, the source closed.
    let closed = false;
    async function* failing(): AsyncGenerator<ExtractBatch> {
      try {
        yield { records: [{ id: "1" }], cursor: { p: 1 } };
        yield { records: [{ id: "2", a: "x".repeat(10) }], cursor: { p: 2 } };
        yield { records: [{ id: "3" }], cursor: { p: 3 } };
        throw new Error("source broke");
      } finally {
        closed = true;
      }
    }
    await expect(load("broken", true, failing())).rejects.toThrow("source broke");
    expect(closed).toBe(true);
    expect(await readCursor(wh, "zendesk", "broken")).toEqual({ p: 3 });
  });

  it("column-major batches (the CSV worker's) load exactly as the same records do", async () => {
    const wh = t.warehouse;
    // Mixed case names (snake_cased), a null, a row without its key, a merge on a repeated key.
    const records = [
      { Id: "1", Amount: "10.5", Note: "a" },
      { Id: "2", Amount: null, Note: "b" },
      { Id: "", Amount: "3", Note: "no key" },
      { Id: "1", Amount: "11.5", Note: "a2" },
    ];
    const positions = records.map((_, i) => `f.csv:${i + 2}`);
    const payloads = records.map((r) => JSON.stringify(r));
    const names = ["Id", "Amount", "Note"];
    const columns = { names, values: names.map((n) => records.map((r) => r[n as keyof typeof r])) };
    const desc = (stream: string): StreamDescriptor => ({
      source: "erp_files",
      stream,
      primaryKey: ["id"],
      columnTypes: { amount: "numeric" },
    });
    const asRecords = await loadStream(
      wh,
      desc("as_records"),
      from([{ records, positions, payloads, cursor: { f: 1 } }]),
      { runId: "r" },
    );
    const asColumns = await loadStream(
      wh,
      desc("as_columns"),
      from([{ records: [], columns, positions, payloads, cursor: { f: 1 } }]),
      { runId: "r" },
    );
    expect(asColumns).toEqual({ ...asRecords, stream: "as_columns" });
    expect(asColumns).toMatchObject({ rows: 3, rejects: 1 });
    const content = (table: string) =>
      wh.query(
        `SELECT id, amount, note, _trueup_position, _trueup_payload FROM staging.${table} ORDER BY id`,
      );
    expect(await content("erp_files__as_columns")).toEqual(await content("erp_files__as_records"));
    expect((await content("erp_files__as_columns")).map((r) => [r.id, r.amount, r.note])).toEqual([
      ["1", "11.5", "a2"],
      ["2", null, "b"],
    ]);
    const raw = (table: string) =>
      wh.query(`SELECT _trueup_position, _trueup_payload FROM raw.${table} ORDER BY _trueup_position`);
    expect(await raw("erp_files__as_columns")).toEqual(await raw("erp_files__as_records"));
    const rejected = await wh.query(
      `SELECT stream, position, field, record FROM trueup.rejects WHERE stream IN ('as_records', 'as_columns') ORDER BY stream`,
    );
    expect(rejected).toEqual([
      { stream: "as_columns", position: "f.csv:4", field: "id", record: records[2] },
      { stream: "as_records", position: "f.csv:4", field: "id", record: records[2] },
    ]);
  });

  it("a batch prepared ahead is prepared again when staging changed meanwhile", async () => {
    const wh = t.warehouse;
    const desc: StreamDescriptor = {
      source: "zendesk",
      stream: "changed",
      primaryKey: ["id"],
      prepareAhead: true,
    };
    let committed: () => void = () => {};
    const firstCommitted = new Promise<void>((resolve) => (committed = resolve));
    async function* batches(): AsyncGenerator<ExtractBatch> {
      yield { records: [{ id: "1", n: "abc" }] };
      // Asked for while batch 1 is written. Once it commits, someone retypes n; batch 2 was
      // prepared (coerced, made Arrow) against n as text.
      await firstCommitted;
      await wh.query(
        `ALTER TABLE staging.zendesk__changed DROP COLUMN n; ALTER TABLE staging.zendesk__changed ADD COLUMN n bigint`,
      );
      yield { records: [{ id: "2", n: "def" }] };
    }
    await loadStream(wh, desc, batches(), { runId: "r", onBatch: () => committed() });
    expect(await wh.query(`SELECT id, n FROM staging.zendesk__changed ORDER BY id`)).toEqual([
      { id: "1", n: null },
      { id: "2", n: "def" },
    ]);
  });
  it("a record re-read unchanged leaves its staging row as it was: run id, load time and the table's fingerprint", async () => {
    const wh = t.warehouse;
    const desc: StreamDescriptor = { source: "stripe", stream: "prices", primaryKey: ["id"] };
    const stream = { source: "stripe", stream: "prices", absent: false };
    const stamps = () =>
      wh.query<{ id: string; run: string; at: string; deleted: boolean; amount: string | null }>(
        `SELECT id, _trueup_run_id AS run, CAST(_trueup_loaded_at AS text) AS at, _trueup_deleted AS deleted,
                CAST(unit_amount AS text) AS amount
           FROM staging.stripe__prices ORDER BY id`,
      );
    const records = [
      { id: "price_1", unit_amount: 100, metadata: { k: "a" } },
      { id: "price_2", unit_amount: 200, metadata: { k: "b" } },
      { id: "price_3", unit_amount: 300 },
    ];
    await loadStream(wh, desc, from([{ records }]), { runId: "first" });
    await loadStream(wh, desc, from([{ records: [], deletes: [{ id: "price_3", deleted: true }] }]), {
      runId: "first",
    });
    const before = await stamps();
    const fingerprint = await stagingFingerprint(wh, stream);
    await new Promise((r) => setTimeout(r, 20));

    // A look-back re-reads every record and the delete, nothing new: no row changes, and the
    // fingerprint is the recorded one without a checksum of the table.
    const again = await loadStream(
      wh,
      desc,
      from([{ records: records.slice(0, 2), deletes: [{ id: "price_3", deleted: true }] }]),
      { runId: "lookback" },
    );
    expect(again.rows).toBeGreaterThan(0);
    expect(await stamps()).toEqual(before);
    expect(await stagingFingerprint(wh, stream, fingerprint)).toBe(fingerprint);
    expect((await wh.query(`SELECT count(*)::int AS n FROM raw.stripe__prices`))[0]).toEqual({ n: 7 }); // raw keeps every read

    // One record changed (a nested value only): that row, and only it, moves.
    await loadStream(wh, desc, from([{ records: [records[0], { ...records[1], metadata: { k: "c" } }] }]), {
      runId: "edit",
    });
    const after = await stamps();
    expect(after.map((r) => r.run)).toEqual(["first", "edit", "first"]);
    expect(after[0]).toEqual(before[0]);
    expect(after[1]!.at > before[1]!.at).toBe(true);
    expect(await stagingFingerprint(wh, stream, fingerprint)).not.toBe(fingerprint);
  });
});
