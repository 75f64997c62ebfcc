import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { loadStream } from "../../load/load-stream.js";
import type { ExtractBatch, StreamDescriptor } from "../../load/interfaces.js";
import { buildModels } from "../../models/build.js";
import { canonicalModels } from "../../models/canonical/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * A hand-made miniature of the five systems, records shaped as the vendors return them, each
 * chosen to exercise one path of identity resolution or matching. (The generated worlds check the
 * same models at scale against truth.json.)
 */
let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });
const config = parseConfig({ ownership: { "customer.legal_name": "netsuite" } });
const AS_OF = "2026-11-22T00:00:00Z";
const day = (d: string) => Math.floor(Date.parse(`${d}T12:00:00Z`) / 1000);

async function load(
  source: string,
  stream: string,
  primaryKey: string[],
  records: Record<string, unknown>[],
  columnTypes?: StreamDescriptor["columnTypes"],
) {
  async function* one(): AsyncGenerator<ExtractBatch> {
    yield { records };
  }
  await loadStream(t.warehouse, { source, stream, primaryKey, columnTypes }, one(), { runId: "fixture" });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await load(
    "reference",
    "fx_rates",
    ["date", "currency"],
    [
      ...["2026-01-01", "2026-10-01", "2026-10-05", "2026-11-01"].flatMap((date) => [
        { date, currency: "USD", usd_per_unit: "1" },
        { date, currency: "EUR", usd_per_unit: "1.1" },
        { date, currency: "JPY", usd_per_unit: "0.0067" },
      ]),
    ],
    { date: "date", usd_per_unit: "numeric" },
  );
  await load(
    "salesforce",
    "Account",
    ["id"],
    [
      {
        Id: "001A",
        Name: "Acme Corp",
        Website: "https://www.acme.example/",
        CreatedDate: "2025-01-01T00:00:00.000+0000",
        OwnerId: "005X",
        IsDeleted: false,
      },
      {
        Id: "001B",
        Name: "Globex GmbH",
        Website: "globex.example",
        CreatedDate: "2025-02-01T00:00:00.000+0000",
        IsDeleted: false,
      },
      {
        Id: "001C",
        Name: "ACME Corporation",
        Website: "acme.example",
        CreatedDate: "2025-06-01T00:00:00.000+0000",
        IsDeleted: false,
      }, // duplicate of 001A
      {
        Id: "001D",
        Name: "Acme Corp",
        Website: "acme-tools.example",
        CreatedDate: "2025-03-01T00:00:00.000+0000",
        IsDeleted: false,
      }, // same name, other company
    ].map((r) => ({ ...r, id: r.Id })),
  );
  await load(
    "salesforce",
    "Opportunity",
    ["id"],
    [
      {
        id: "006A",
        AccountId: "001A",
        StageName: "Closed Won",
        Amount: 12000,
        CurrencyIsoCode: "USD",
        CloseDate: "2025-12-15",
        Contract_Start_Date__c: "2026-01-01",
        Contract_End_Date__c: "2026-12-31",
        Support_Tier__c: "premium",
      },
      {
        id: "006B",
        AccountId: "001B",
        StageName: "Closed Won",
        Amount: 1200,
        CurrencyIsoCode: "EUR",
        CloseDate: "2025-12-15",
        Contract_Start_Date__c: "2026-01-01",
        Contract_End_Date__c: "2026-12-31",
        Support_Tier__c: "standard",
      },
    ],
  );
  await load(
    "stripe",
    "customers",
    ["id"],
    [
      {
        id: "cus_A",
        object: "customer",
        name: "Acme",
        email: "billing@acme.example",
        created: day("2025-01-02"),
        metadata: { salesforce_account_id: "001A", entity: "us" },
      },
      {
        id: "cus_B",
        object: "customer",
        name: "Globex",
        email: "ap@globex.example",
        created: day("2025-02-02"),
        metadata: { entity: "eu" },
      }, // no link: domain
    ],
  );
  await load(
    "stripe",
    "subscriptions",
    ["id"],
    [
      {
        id: "sub_A",
        object: "subscription",
        customer: "cus_A",
        status: "active",
        currency: "usd",
        start_date: day("2026-01-01"),
        metadata: { salesforce_opportunity_id: "006A" },
        items: {
          object: "list",
          data: [
            {
              price: { unit_amount: 100000, recurring: { interval: "month", interval_count: 1 } },
              quantity: 1,
            },
          ],
        },
      },
      {
        id: "sub_B",
        object: "subscription",
        customer: "cus_B",
        status: "active",
        currency: "eur",
        start_date: day("2026-01-01"),
        metadata: {},
        items: {
          object: "list",
          data: [
            {
              price: { unit_amount: 120000, recurring: { interval: "year", interval_count: 1 } },
              quantity: 1,
            },
          ],
        },
      },
    ],
  );
  await load(
    "stripe",
    "invoices",
    ["id"],
    [
      {
        id: "in_1",
        object: "invoice",
        number: "ACME-0001",
        customer: "cus_A",
        status: "paid",
        currency: "usd",
        total: 100000,
        created: day("2026-10-01"),
        due_date: day("2026-10-31"),
        status_transitions: { finalized_at: day("2026-10-01"), paid_at: day("2026-10-05") },
      },
      {
        id: "in_2",
        object: "invoice",
        number: "ACME-0002",
        customer: "cus_A",
        status: "open",
        currency: "usd",
        total: 100000,
        created: day("2026-11-01"),
        due_date: day("2026-11-10"),
        status_transitions: { finalized_at: day("2026-11-01") },
      },
      {
        id: "in_3",
        object: "invoice",
        number: "GLOBEX-0001",
        customer: "cus_B",
        status: "paid",
        currency: "eur",
        total: 120000,
        created: day("2026-10-01"),
        due_date: day("2026-10-31"),
        status_transitions: { finalized_at: day("2026-10-01"), paid_at: day("2026-10-03") },
      },
      {
        id: "in_4",
        object: "invoice",
        number: "ACME-0003",
        customer: "cus_A",
        status: "draft",
        currency: "usd",
        total: 5000,
        created: day("2026-11-20"),
        status_transitions: {},
      },
    ],
  );
  await load(
    "stripe",
    "charges",
    ["id"],
    [
      {
        id: "ch_1",
        object: "charge",
        customer: "cus_A",
        invoice: "in_1",
        status: "succeeded",
        amount: 100000,
        amount_refunded: 0,
        currency: "usd",
        created: day("2026-10-05"),
      },
      {
        id: "ch_3",
        object: "charge",
        customer: "cus_B",
        invoice: "in_3",
        status: "succeeded",
        amount: 120000,
        amount_refunded: 0,
        currency: "eur",
        created: day("2026-10-03"),
      },
    ],
  );
  await load(
    "netsuite",
    "currency",
    ["id"],
    [
      { id: "1", symbol: "USD" },
      { id: "2", symbol: "EUR" },
    ],
  );
  await load(
    "netsuite",
    "customer",
    ["id"],
    [{ id: "501", companyname: "Acme Corporation Inc.", email: "finance@acme.example", externalid: "001A" }],
  );
  await load(
    "netsuite",
    "transaction",
    ["id"],
    [
      {
        id: "9001",
        tranid: "INV1001",
        type: "CustInvc",
        entity: "501",
        trandate: "2026-10-01",
        duedate: "2026-10-31",
        status: "B",
        currency: "1",
        foreigntotal: "1000.00",
        externalid: "in_1",
        memo: "",
      },
      {
        id: "9002",
        tranid: "INV1002",
        type: "CustInvc",
        entity: "501",
        trandate: "2026-11-02",
        duedate: "2026-11-10",
        status: "A",
        currency: "1",
        foreigntotal: "1000.00",
        externalid: "",
        memo: "Stripe invoice ACME-0002",
      },
      {
        id: "9100",
        tranid: "PAY1",
        type: "CustPymt",
        entity: "501",
        trandate: "2026-10-06",
        status: "C",
        currency: "1",
        foreigntotal: "1000.00",
        externalid: "ch_1",
      },
    ],
    { trandate: "date", duedate: "date", foreigntotal: "numeric" },
  );
  await load(
    "zendesk",
    "organizations",
    ["id"],
    [
      {
        id: 360001,
        name: "Acme",
        external_id: "001A",
        domain_names: ["acme.example"],
        organization_fields: { support_tier: "standard" },
        created_at: "2025-01-03T00:00:00Z",
      },
      {
        id: 360002,
        name: "Globex",
        external_id: null,
        domain_names: ["globex.example"],
        organization_fields: { support_tier: "standard" },
        created_at: "2025-02-03T00:00:00Z",
      },
    ],
  );
  await load(
    "zendesk",
    "tickets",
    ["id"],
    [
      { id: 1, organization_id: 360001, status: "open", priority: "urgent" },
      { id: 2, organization_id: 360001, status: "solved", priority: "low" },
    ],
  );
  await load(
    "erp_files",
    "customers",
    ["customer_no"],
    [
      {
        customer_no: "K-1",
        name: "Globex GmbH",
        vat_id: "DE1",
        email_domain: "globex.example",
        crm_account_id: "",
      },
    ],
  );
  await load(
    "erp_files",
    "invoices",
    ["invoice_no"],
    [
      {
        invoice_no: "E-1",
        customer_no: "K-1",
        invoice_date: "2026-10-02",
        due_date: "2026-11-01",
        currency: "EUR",
        net_amount: "1008.40",
        tax_amount: "191.60",
        gross_amount: "1200.00",
        status: "paid",
        billing_ref: "",
      },
    ],
    { invoice_date: "date", due_date: "date", gross_amount: "numeric" },
  );
  await load(
    "erp_files",
    "payments",
    ["payment_no"],
    [
      {
        payment_no: "P-1",
        customer_no: "K-1",
        payment_date: "2026-10-04",
        currency: "EUR",
        amount: "1200.00",
        invoice_no: "E-1",
        billing_ref: "ch_3",
      },
    ],
    { payment_date: "date", amount: "numeric" },
  );
});
afterAll(async () => {
  await t?.drop();
});

describe("canonical models on a miniature world", () => {
  it("build with every data test passing", async () => {
    const out = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models: canonicalModels,
      asOf: AS_OF,
    });
    for (const o of out) expect([o.model, o.status, o.error]).toEqual([o.model, "succeeded", undefined]);
  });

  it("customer_xref links by link field and domain, never by a shared name alone, and marks the later duplicate", async () => {
    const rows = await t.warehouse.query<{
      system: string;
      record_id: string;
      customer_id: string;
      method: string;
      is_duplicate: boolean;
    }>(
      `SELECT system, record_id, customer_id, method, is_duplicate FROM canonical.customer_xref ORDER BY system, record_id`,
    );
    const by = Object.fromEntries(rows.map((r) => [`${r.system}:${r.record_id}`, r]));
    const acme = by["salesforce:001A"]!.customer_id;
    for (const k of ["salesforce:001C", "stripe:cus_A", "netsuite:501", "zendesk:360001"])
      expect(by[k]!.customer_id).toBe(acme);
    expect(by["stripe:cus_A"]!.method).toBe("link");
    expect(by["salesforce:001C"]).toMatchObject({ method: "anchor", is_duplicate: true });
    expect(by["salesforce:001A"]!.is_duplicate).toBe(false);
    // Same name "Acme Corp", different domain: a different customer.
    expect(by["salesforce:001D"]!.customer_id).not.toBe(acme);
    const globex = by["salesforce:001B"]!.customer_id;
    for (const k of ["stripe:cus_B", "zendesk:360002", "erp_file:K-1"])
      expect([k, by[k]!.customer_id]).toEqual([k, globex]);
    expect(by["stripe:cus_B"]!.method).toBe("domain");
  });

  it("customer takes the legal name from the ERP (ownership) and one id per system", async () => {
    const [acme] = await t.warehouse.query(
      `SELECT name, entity, salesforce_account_id, stripe_customer_id, netsuite_customer_id, zendesk_organization_id, owner_id
         FROM canonical.customer WHERE salesforce_account_id = '001A'`,
    );
    expect(acme).toEqual({
      name: "Acme Corporation Inc.",
      entity: "us",
      salesforce_account_id: "001A",
      stripe_customer_id: "cus_A",
      netsuite_customer_id: "501",
      zendesk_organization_id: "360001",
      owner_id: "005X",
    });
  });

  it("invoices match by external id, memo number and customer+amount+date; drafts are not invoices; money is exact", async () => {
    const rows = await t.warehouse.query(
      `SELECT invoice_key, match_method, erp_invoice_id, billing_amount, erp_amount, amount_reporting FROM canonical.invoice ORDER BY invoice_key`,
    );
    expect(rows).toEqual([
      {
        invoice_key: "stripe:in_1",
        match_method: "external_id",
        erp_invoice_id: "9001",
        billing_amount: "1000.0000000000000000",
        erp_amount: "1000.00",
        amount_reporting: "1000.00",
      },
      {
        invoice_key: "stripe:in_2",
        match_method: "memo_number",
        erp_invoice_id: "9002",
        billing_amount: "1000.0000000000000000",
        erp_amount: "1000.00",
        amount_reporting: "1000.00",
      },
      {
        invoice_key: "stripe:in_3",
        match_method: "customer_amount_date",
        erp_invoice_id: "E-1",
        billing_amount: "1200.0000000000000000",
        erp_amount: "1200.00",
        amount_reporting: "1320.00",
      },
    ]);
  });

  it("payments, contracts and health", async () => {
    const pays = await t.warehouse.query(
      `SELECT payment_key, match_method, erp_payment_id FROM canonical.payment ORDER BY payment_key`,
    );
    expect(pays).toEqual([
      { payment_key: "stripe:ch_1", match_method: "external_id", erp_payment_id: "9100" },
      { payment_key: "stripe:ch_3", match_method: "external_id", erp_payment_id: "P-1" },
    ]);
    const contracts = await t.warehouse.query(
      `SELECT contract_id, match_method, subscription_annual_amount::numeric(12,2)::text AS annual, acv, is_active, support_tier FROM canonical.contract ORDER BY contract_id`,
    );
    expect(contracts).toEqual([
      {
        contract_id: "006A",
        match_method: "opportunity_id",
        annual: "12000.00",
        acv: "12000",
        is_active: true,
        support_tier: "premium",
      },
      {
        contract_id: "006B",
        match_method: "customer_start_date",
        annual: "1200.00",
        acv: "1200",
        is_active: true,
        support_tier: "standard",
      },
    ]);
    const [h] = await t.warehouse.query(
      `SELECT billing_status, overdue_amount_reporting, days_past_due, open_tickets, urgent_tickets, arr_reporting, health_score
         FROM canonical.customer_health WHERE salesforce_account_id = '001A'`,
    );
    // in_2 is open and was due 11-10: 12 days past due. 100 - 30 - 4 - 5 - 10 = 51.
    expect(h).toEqual({
      billing_status: "overdue",
      overdue_amount_reporting: "1000.00",
      days_past_due: 12,
      open_tickets: "1",
      urgent_tickets: "1",
      arr_reporting: "12000.00",
      health_score: 51,
    });
    const corr = await t.warehouse.query(
      `SELECT zendesk_organization_id, current_support_tier, contract_support_tier FROM canonical.support_tier_corrections`,
    );
    expect(corr).toEqual([
      {
        zendesk_organization_id: "360001",
        current_support_tier: "standard",
        contract_support_tier: "premium",
      },
    ]);
  });
});
