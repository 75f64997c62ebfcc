import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ErpFilePattern } from "../../config/schema.js";
import { parseCsvBatches, type CsvBatch } from "../../extract/files/csv-read.js";
import { csvBatchesInWorker } from "../../extract/files/csv-worker.js";

const pattern: ErpFilePattern = {
  pattern: "inv_*.csv",
  stream: "invoices",
  primaryKey: ["invoice_no"],
  delimiter: ";",
  bom: true,
  decimalComma: true,
  dateFormat: "DD.MM.YYYY",
  encoding: "utf8",
  columns: { amount: "numeric", invoice_date: "date" },
};

/** A batch's column-major rows as one object per row, to compare with what the file holds. */
function recordsOf(b: CsvBatch): Record<string, unknown>[] {
  return Array.from(b.lines, (_, i) =>
    Object.fromEntries(b.columns.names.map((n, c) => [n, b.columns.values[c]![i]])),
  );
}

async function all(it: AsyncIterable<CsvBatch>): Promise<CsvBatch[]> {
  const out: CsvBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** The CSV reader runs in a worker thread: it must give exactly what the same code gives in-thread. */
describe("CSV exports parsed in a worker thread", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-csv-worker-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("yields the in-thread batches, rejects and line numbers included, the last batch marked", async () => {
    const lines = ["\ufeffinvoice_no;customer;amount;invoice_date;memo"];
    for (let i = 0; i < 250; i++) {
      const amount = i === 17 ? "12,3x" : `${i}.000,5`;
      const memo = i === 40 ? '"two\nlines; quoted"' : i === 41 ? "Zürich – 東京 €" : `m${i}`;
      lines.push(`K-${i};C-${i % 7};${amount};0${(i % 9) + 1}.03.2026;${memo}`);
    }
    lines.push("K-bad;too;few");
    const file = path.join(dir, "inv_1.csv");
    writeFileSync(file, lines.join("\n") + "\n");

    const inWorker = await all(csvBatchesInWorker(file, pattern, 100));
    const inThread = await all(parseCsvBatches(file, pattern, 100));
    expect(inWorker).toEqual(inThread);
    expect(inWorker.map((b) => recordsOf(b).length + b.rejects.length)).toEqual([100, 100, 51]);
    expect(inWorker.map((b) => Boolean(b.last))).toEqual([false, false, true]);
    const records = inWorker.flatMap(recordsOf);
    expect(records).toHaveLength(249);
    expect(records[2]).toEqual({
      invoice_no: "K-2",
      customer: "C-2",
      amount: "2000.5",
      invoice_date: "2026-03-03",
      memo: "m2",
    });
    expect(records.find((r) => r.invoice_no === "K-40")?.memo).toBe("two\nlines; quoted");
    expect(records.find((r) => r.invoice_no === "K-41")?.memo).toBe("Zürich – 東京 €");
    // the raw payloads, serialised in the worker, are the rows as written (before conversion)
    const payloads = inWorker.flatMap((b) => b.payloads.map((p) => JSON.parse(p) as Record<string, string>));
    expect(payloads).toHaveLength(249);
    expect(payloads[2]).toEqual({
      invoice_no: "K-2",
      customer: "C-2",
      amount: "2.000,5",
      invoice_date: "03.03.2026",
      memo: "m2",
    });
    expect(payloads.find((p) => p.invoice_no === "K-40")?.memo).toBe("two\nlines; quoted");
    expect(payloads.map((p) => p.invoice_no)).toEqual(records.map((r) => r.invoice_no));
    // Each good row's line (where it ends): the quoted two-line memo of K-40 moves the rest by one.
    const lineOf = new Map(
      inWorker.flatMap((b) => recordsOf(b).map((r, i) => [r.invoice_no, b.lines[i]] as const)),
    );
    expect([lineOf.get("K-0"), lineOf.get("K-16"), lineOf.get("K-18")]).toEqual([2, 18, 20]);
    expect([lineOf.get("K-40"), lineOf.get("K-41"), lineOf.get("K-249")]).toEqual([43, 44, 252]);
    const rejects = inWorker.flatMap((b) => b.rejects);
    expect(rejects.map((r) => [r.position, r.field ?? null, r.recordKey ?? null])).toEqual([
      ["inv_1.csv:19", "amount", "K-17"],
      ["inv_1.csv:253", null, null],
    ]);
    expect(rejects[1]!.reason).toMatch(/wrong number of columns/);
    expect(rejects[1]!.record).toEqual(["K-bad", "too", "few"]);
    expect(rejects[0]!.record).toMatchObject({ invoice_no: "K-17", amount: "12,3x" });
  });

  it("fails with the file named when the worker cannot read it", async () => {
    await expect(all(csvBatchesInWorker(path.join(dir, "inv_gone.csv"), pattern, 100))).rejects.toThrow(
      /reading inv_gone\.csv: .*ENOENT/,
    );
  });

  it("a file that cannot be read is an error of the read, not of the process", async () => {
    await expect(all(parseCsvBatches(path.join(dir, "missing.csv"), pattern, 10))).rejects.toThrow(/ENOENT/);
    await expect(all(csvBatchesInWorker(path.join(dir, "missing.csv"), pattern, 10))).rejects.toThrow(
      /reading missing\.csv: ENOENT/,
    );
  });

  it("stops the worker when the consumer stops early", async () => {
    const file = path.join(dir, "inv_2.csv");
    writeFileSync(
      file,
      ["invoice_no;amount", ...Array.from({ length: 1000 }, (_, i) => `K-${i};1,0`)].join("\n"),
    );
    let seen = 0;
    for await (const b of csvBatchesInWorker(file, pattern, 10)) {
      seen += recordsOf(b).length;
      if (seen >= 20) break;
    }
    expect(seen).toBe(20);
    // A second full read still works: nothing was left holding the file or the thread.
    const again = await all(csvBatchesInWorker(file, pattern, 500));
    expect(again.reduce((n, b) => n + recordsOf(b).length, 0)).toBe(1000);
  });
});
