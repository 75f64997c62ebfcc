import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDate, parseDecimal } from "../../extract/files/csv-values.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "trueup-erp-"));
});
afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const BOM = "\ufeff";
const HEADER =
  "invoice_no;customer_no;invoice_date;due_date;currency;net_amount;tax_amount;gross_amount;status;billing_ref";

function writeInvoices(name: string, lines: string[]) {
  writeFileSync(path.join(dir, name), BOM + [HEADER, ...lines].join("\r\n") + "\r\n");
}

const cli = (args: string[]) =>
  runCli(["--json", "extract", "erp_files", ...args], {
    cwd: REPO_ROOT,
    env: { WAREHOUSE_URL: t.url, ERP_EXPORT_DIR: dir },
  });

describe("value conversions", () => {
  it("decimal comma with thousands dots, and day-first dates", () => {
    expect(parseDecimal("1.234,56", true)).toEqual({ ok: true, value: "1234.56" });
    expect(parseDecimal("-0,5", true)).toEqual({ ok: true, value: "-0.5" });
    expect(parseDecimal("12.5", true).ok).toBe(true); // 12.5 with dot as thousands separator = 125
    expect(parseDecimal("12,5x", true)).toMatchObject({ ok: false });
    expect(parseDate("01.03.2026", "DD.MM.YYYY")).toEqual({ ok: true, value: "2026-03-01" });
    expect(parseDate("31.02.2026", "DD.MM.YYYY")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no such date/),
    });
    expect(parseDate("3/1/2026", "M/D/YYYY")).toEqual({ ok: true, value: "2026-03-01" });
  });

  /**
   * The conversions scan characters for speed; their definition is the regular expressions
   * below (and the calendar). Both must agree on every input, valid or not.
   */
  it("agree with their regular-expression definitions on generated inputs", () => {
    const decimalByRegex = (raw: string, comma: boolean): string | null | undefined => {
      const s = raw.trim();
      if (s === "") return null;
      if (!(comma ? /^-?[\d. \u00a0]*(,\d+)?$/ : /^-?[\d, ]*(\.\d+)?$/).test(s)) return undefined;
      const t = comma ? s.replace(/[. \u00a0]/g, "").replace(",", ".") : s.replace(/[, ]/g, "");
      return /^-?\d+(\.\d+)?$/.test(t) ? t : undefined;
    };
    const dateByRegex = (raw: string, re: RegExp): string | null | undefined => {
      const s = raw.trim();
      if (s === "") return null;
      const m = re.exec(s);
      if (!m?.groups) return undefined;
      const [y, mo, d] = [Number(m.groups.y), Number(m.groups.m), Number(m.groups.d)];
      const dt = new Date(Date.UTC(y, mo - 1, d));
      dt.setUTCFullYear(y); // Date.UTC reads years below 100 as 19xx
      if (y < 100 || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return undefined;
      return `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    };
    let seed = 42;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
    const pick = (chars: string, len: number) =>
      Array.from({ length: len }, () => chars[rand(chars.length)]).join("");
    const value = (c: { ok: boolean; value?: string | null }) => (c.ok ? c.value : undefined);
    const decimals = { valid: 0, invalid: 0 };
    for (let i = 0; i < 20_000; i++) {
      const raw = pick("0123456789012345.,- \u00a0x", 1 + rand(9));
      expect([raw, value(parseDecimal(raw, true))]).toEqual([raw, decimalByRegex(raw, true)]);
      expect([raw, value(parseDecimal(raw, false))]).toEqual([raw, decimalByRegex(raw, false)]);
      decimals[decimalByRegex(raw, i % 2 === 0) ? "valid" : "invalid"]++;
    }
    expect(Math.min(decimals.valid, decimals.invalid)).toBeGreaterThan(2_000);
    const formats: [string, RegExp, string, ("d" | "m" | "y")[]][] = [
      ["DD.MM.YYYY", /^(?<d>\d{1,2})\.(?<m>\d{1,2})\.(?<y>\d{4})$/, ".", ["d", "m", "y"]],
      ["M/D/YYYY", /^(?<m>\d{1,2})\/(?<d>\d{1,2})\/(?<y>\d{4})$/, "/", ["m", "d", "y"]],
      ["YYYY-MM-DD", /^(?<y>\d{4})-(?<m>\d{1,2})-(?<d>\d{1,2})$/, "-", ["y", "m", "d"]],
    ];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const [format, re, sep, order] = formats[i % formats.length]!;
      const part = {
        d: pick("0123", 1 + rand(2)),
        m: pick("01", 1) + pick("0123", rand(2)),
        y: pick("0129", 3 + rand(3)),
      };
      const raw =
        rand(10) === 0 ? pick(`0123456789${sep}x `, 1 + rand(12)) : order.map((k) => part[k]).join(sep);
      expect([raw, value(parseDate(raw, format))]).toEqual([raw, dateByRegex(raw, re)]);
      if (dateByRegex(raw, re)) valid++;
    }
    expect(valid).toBeGreaterThan(2_000); // the inputs reach valid dates too, not only refusals
    expect(parseDate("29.02.2028", "DD.MM.YYYY")).toEqual({ ok: true, value: "2028-02-29" });
    expect(parseDate("29.02.2100", "DD.MM.YYYY")).toMatchObject({ ok: false });
    expect(parseDecimal("1 234 567,5", true)).toEqual({ ok: true, value: "1234567.5" });
  });
});

describe("erp_files source", () => {
  it("loads BOM + semicolon + decimal-comma exports, rejects bad rows with file, line and field, loads each file once", async () => {
    writeInvoices("invoices_2026-10.csv", [
      "K-1001;C-1;01.10.2026;31.10.2026;EUR;1.000,00;190,00;1.190,00;open;in_1",
      "K-1002;C-2;02.10.2026;01.11.2026;EUR;10,5;0;10,50;paid;",
      "K-1003;C-3;32.10.2026;01.11.2026;EUR;1;0;1;open;", // no such date
      "K-1004;C-4;03.10.2026;02.11.2026;EUR;abc;0;1;open;", // not a number
      "K-1005;C-5;03.10.2026", // wrong column count
      "K-1006;C-6;04.10.2026;03.11.2026;GBP;99,99;0;99,99;void;in_9",
      ";C-7;05.10.2026;04.11.2026;EUR;5,00;0;5,00;open;", // no key
    ]);
    const first = await cli([]);
    expect(first.stderr).not.toMatch(/unexpected/);
    const out = JSON.parse(first.stdout);
    const inv = out.streams.find((s: { stream: string }) => s.stream === "invoices");
    expect(inv).toMatchObject({ status: "succeeded", rows: 3, rejects: 4 });
    expect(first.code).toBe(0);

    const rows = await t.warehouse.query(
      `SELECT invoice_no, invoice_date::text AS d, gross_amount, billing_ref FROM staging.erp_files__invoices ORDER BY invoice_no`,
    );
    expect(rows).toEqual([
      { invoice_no: "K-1001", d: "2026-10-01", gross_amount: "1190.00", billing_ref: "in_1" },
      { invoice_no: "K-1002", d: "2026-10-02", gross_amount: "10.50", billing_ref: "" },
      { invoice_no: "K-1006", d: "2026-10-04", gross_amount: "99.99", billing_ref: "in_9" },
    ]);
    // raw and staging keep the row as the export wrote it; only staging's columns are converted.
    const payloads = await t.warehouse.query<{ r: unknown; s: unknown }>(
      `SELECT r._trueup_payload AS r, s._trueup_payload AS s FROM raw.erp_files__invoices r
         JOIN staging.erp_files__invoices s ON s.invoice_no = r._trueup_payload->>'invoice_no'
        WHERE s.invoice_no = 'K-1001'`,
    );
    const asWritten = {
      invoice_no: "K-1001",
      customer_no: "C-1",
      invoice_date: "01.10.2026",
      due_date: "31.10.2026",
      currency: "EUR",
      net_amount: "1.000,00",
      tax_amount: "190,00",
      gross_amount: "1.190,00",
      status: "open",
      billing_ref: "in_1",
    };
    expect(payloads).toEqual([{ r: asWritten, s: asWritten }]);
    const rejects = await t.warehouse.query<{ position: string; field: string | null; reason: string }>(
      `SELECT position, field, reason FROM trueup.rejects WHERE stream = 'invoices' ORDER BY position`,
    );
    expect(rejects.map((r) => [r.position, r.field])).toEqual([
      ["invoices_2026-10.csv:4", "invoice_date"],
      ["invoices_2026-10.csv:5", "net_amount"],
      ["invoices_2026-10.csv:6", null],
      ["invoices_2026-10.csv:8", "invoice_no"],
    ]);
    expect(rejects[2]!.reason).toMatch(/column/i);
    expect(rejects[3]!.reason).toBe("missing primary key field invoice_no");

    // Same file again: skipped by name + checksum, nothing new lands in raw.
    const second = JSON.parse((await cli([])).stdout);
    expect(second.streams.find((s: { stream: string }) => s.stream === "invoices")).toMatchObject({
      rows: 0,
    });
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM raw.erp_files__invoices`)).toEqual([
      { n: 3 },
    ]);

    // A corrected re-export (new checksum) loads again and the fix wins.
    writeInvoices("invoices_2026-10.csv", ["K-1003;C-3;30.10.2026;01.11.2026;EUR;1;0;1,00;open;"]);
    const third = JSON.parse((await cli([])).stdout);
    expect(third.streams.find((s: { stream: string }) => s.stream === "invoices")).toMatchObject({
      rows: 1,
      rejects: 0,
    });
    expect(await t.warehouse.query(`SELECT count(*)::int AS n FROM staging.erp_files__invoices`)).toEqual([
      { n: 4 },
    ]);
  });

  it("names an unknown stream and exits 2", async () => {
    const r = await runCli(["extract", "erp_files.nope"], {
      cwd: REPO_ROOT,
      env: { WAREHOUSE_URL: t.url, ERP_EXPORT_DIR: dir },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown stream erp_files\.nope/);
  });
});
