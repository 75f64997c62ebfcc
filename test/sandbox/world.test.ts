import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATES, generateWorld, worldDigest, type WorldSummary } from "../../sandbox/world/generate.js";
import { readJsonl, readTruth } from "../../sandbox/world/read.js";
import type { Truth } from "../../sandbox/world/truth.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), "trueup-world-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

let s1: WorldSummary;
let truth1: Truth;
beforeAll(async () => {
  s1 = await generateWorld({ seed: 7, scale: 1, out: tmp() });
  truth1 = await readTruth(s1.dir);
});

describe("world generator", () => {
  it("is deterministic: same seed and scale give byte-identical folders; another seed differs", async () => {
    const a = await generateWorld({ seed: 3, scale: 0.05, out: tmp() });
    const b = await generateWorld({ seed: 3, scale: 0.05, out: tmp() });
    const c = await generateWorld({ seed: 4, scale: 0.05, out: tmp() });
    expect(await worldDigest(a.dir)).toBe(await worldDigest(b.dir));
    expect(await worldDigest(a.dir)).not.toBe(await worldDigest(c.dir));
  });

  it("scale 1 is within ±20 % of 1,000 customers, 15,000 invoices, 12,000 payments, 2,000 opportunities, 5,000 tickets", () => {
    const within = (n: number, target: number) => {
      expect(n / target).toBeGreaterThanOrEqual(0.8);
      expect(n / target).toBeLessThanOrEqual(1.2);
    };
    within(truth1.populations.customers!, 1000);
    within(s1.files["stripe/invoices.jsonl"]!, 15000);
    within(truth1.populations.succeeded_charges!, 12000);
    within(s1.files["salesforce/Opportunity.jsonl"]!, 2000);
    within(s1.files["zendesk/tickets.jsonl"]!, 5000);
  });

  it("sizes grow linearly with scale", async () => {
    const small = await generateWorld({ seed: 7, scale: 0.1, out: tmp() });
    const ratio = s1.files["stripe/invoices.jsonl"]! / small.files["stripe/invoices.jsonl"]!;
    expect(ratio).toBeGreaterThan(8);
    expect(ratio).toBeLessThan(12.5);
  });

  it("injects every category of CONTRACTS §4 at ≥ 1 % of its population", () => {
    const p = truth1.populations;
    const c = truth1.counts;
    const rate = (cat: string, pop: number) => (c[cat] ?? 0) / pop;
    expect(rate("invoice_missing_in_erp", p.stripe_invoices_finalized!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("invoice_amount_mismatch", p.stripe_invoices_finalized!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("invoice_status_mismatch", p.stripe_invoices_finalized!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("invoice_currency_mismatch", p.stripe_invoices_finalized!)).toBeGreaterThanOrEqual(0.008);
    expect(rate("invoice_missing_in_billing", p.stripe_invoices_finalized!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("payment_missing_in_erp", p.succeeded_charges!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("payment_amount_mismatch", p.succeeded_charges!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("refund_missing_in_erp", p.stripe_refunds!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("credit_note_missing_in_erp", p.stripe_credit_notes!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("credit_note_amount_mismatch", p.stripe_credit_notes!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("contract_amount_mismatch", p.closed_won_opportunities!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("contract_missing_subscription", p.closed_won_opportunities!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("entitlement_mismatch", p.zendesk_organizations!)).toBeGreaterThanOrEqual(0.01);
    expect(rate("duplicate_customer", p.customers!)).toBeGreaterThanOrEqual(0.01);
    expect(RATES.invoiceMissingInErp).toBeGreaterThan(0);
  });

  it("every truth key points at a record that exists, in the system its key names", async () => {
    const ids = new Map<string, Set<string>>();
    const collect = async (system: string, file: string, key = "id") => {
      const set = ids.get(system) ?? new Set<string>();
      for await (const r of readJsonl(path.join(s1.dir, file))) set.add(String(r[key] ?? r.Id));
      ids.set(system, set);
    };
    await collect("stripe", "stripe/invoices.jsonl");
    await collect("stripe", "stripe/charges.jsonl");
    await collect("stripe", "stripe/refunds.jsonl");
    await collect("stripe", "stripe/credit_notes.jsonl");
    await collect("stripe", "stripe/customers.jsonl");
    await collect("salesforce", "salesforce/Opportunity.jsonl", "Id");
    await collect("salesforce", "salesforce/Account.jsonl", "Id");
    await collect("netsuite", "netsuite/transaction.jsonl");
    await collect("zendesk", "zendesk/organizations.jsonl");
    for (const d of truth1.discrepancies) {
      const [system, id] = d.key.split(/:(.*)/s) as [string, string];
      if (system === "erp_file") continue; // checked through the loader's tests
      expect(ids.get(system)?.has(id), d.key).toBe(true);
    }
  });

  it("NetSuite rows hold only strings, formatted as the account's default preferences say", async () => {
    let n = 0;
    for await (const r of readJsonl(path.join(s1.dir, "netsuite/transaction.jsonl"))) {
      for (const [k, v] of Object.entries(r)) if (k !== "links") expect(typeof v, k).toBe("string");
      expect(r.trandate).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4}$/);
      expect(r.lastmodifieddate).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2} (am|pm)$/);
      if (++n > 500) break;
    }
  });

  it("ERP exports: UTF-8 BOM, semicolons, decimal comma, DD.MM.YYYY; the malformed rows are listed in truth", () => {
    const rej = truth1.rejects[0]!;
    const text = readFileSync(path.join(s1.dir, "erp_exports", rej.file), "utf8");
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).split("\r\n");
    expect(lines[0]).toBe(
      "invoice_no;customer_no;invoice_date;due_date;currency;net_amount;tax_amount;gross_amount;status;billing_ref",
    );
    expect(lines[1]).toMatch(/^K-\d+;C-\d+;\d{2}\.\d{2}\.\d{4};\d{2}\.\d{2}\.\d{4};[A-Z]{3};-?\d+(,\d{2})?;/);
    for (const r of truth1.rejects) {
      const fileLines = readFileSync(path.join(s1.dir, "erp_exports", r.file), "utf8")
        .slice(1)
        .split("\r\n");
      expect(fileLines[r.line - 1]!.startsWith(r.key)).toBe(true);
    }
  });
});
