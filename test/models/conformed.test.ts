import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";
import { buildModels } from "../../models/build.js";
import { loadModelDefinitions, modelDag } from "../../models/project.js";
import { projectWith, removeProjects } from "../helpers/project-files.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * A CRM of the user's own joins the CRM role with one SQL mapping model per relation, as
 * docs/conformed.md shows: its accounts anchor customers, its won deals are contracts, and
 * billing records linking to its ids join those customers. Nothing of trueup's names it.
 */
let t: TestDatabase;
const log = createLogger({ level: "silent", destination: { write: () => true } as never, pretty: false });

const FILES = {
  "models/conformed/crm_account__mycrm.sql": `
SELECT CAST('mycrm' AS text) AS system, id AS account_id, name, website, parent_id AS parent_account_id,
       owner AS owner_id, CAST(created AS timestamptz) AS created_at
  FROM {{ source('mycrm', 'accounts') }}
 WHERE NOT coalesce(_trueup_deleted, false)
`,
  "models/conformed/crm_opportunity__mycrm.sql": `
SELECT CAST('mycrm' AS text) AS system, id AS opportunity_id, account AS account_id, title AS name,
       CAST(value AS numeric) AS amount, upper(ccy) AS currency, stage = 'won' AS is_won,
       CAST(closed AS date) AS close_date, CAST(starts AS date) AS start_date, CAST(ends AS date) AS end_date,
       tier AS support_tier
  FROM {{ source('mycrm', 'deals') }}
 WHERE NOT coalesce(_trueup_deleted, false)
`,
};

const DESK_FILES = {
  "models/conformed/support_organization__desk.sql": `
SELECT CAST('desk' AS text) AS system, id AS organization_id, name, domain, crm_id AS crm_account_id,
       tier AS support_tier, CAST(NULL AS timestamptz) AS created_at
  FROM {{ source('desk', 'orgs') }}
`,
  "models/conformed/support_ticket__desk.sql": `
SELECT CAST('desk' AS text) AS system, id AS ticket_id, org AS organization_id, status, priority,
       CAST(NULL AS timestamptz) AS created_at
  FROM {{ source('desk', 'tickets') }}
`,
};

const config = parseConfig({
  models: { paths: ["models"] },
  roles: { crm: ["salesforce", "mycrm"], support: ["zendesk", "desk"] },
});

beforeAll(async () => {
  t = await createTestDatabase();
  await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS staging`);
  // The staging tables a REST source named mycrm would leave (bookkeeping columns included).
  await t.warehouse.query(
    `CREATE TABLE staging.mycrm__accounts AS
     SELECT * FROM (VALUES
       ('A1', 'Acme Corp', 'https://www.acme.example', NULL, 'u1', '2024-01-05T10:00:00Z', false),
       ('A2', 'Globex', 'globex.example', NULL, 'u2', '2024-02-05T10:00:00Z', false),
       ('A3', 'Gone Ltd', 'gone.example', NULL, 'u2', '2024-03-05T10:00:00Z', true)
     ) v(id, name, website, parent_id, owner, created, _trueup_deleted)`,
  );
  await t.warehouse.query(
    `CREATE TABLE staging.mycrm__deals AS
     SELECT *, CAST(NULL AS boolean) AS _trueup_deleted FROM (VALUES
       ('D1', 'A1', 'Acme 2025', '12000', 'usd', 'won', '2025-01-01', '2025-01-01', '2025-12-31', 'premium'),
       ('D2', 'A2', 'Globex pilot', '500', 'eur', 'open', '2025-03-01', NULL, NULL, NULL)
     ) v(id, account, title, value, ccy, stage, closed, starts, ends, tier)`,
  );
  // A help desk of the user's own: an organization naming the CRM account, and its tickets.
  await t.warehouse.query(
    `CREATE TABLE staging.desk__orgs AS SELECT 'O1' AS id, 'Acme support' AS name, NULL AS domain, 'A1' AS crm_id, 'standard' AS tier`,
  );
  await t.warehouse.query(
    `CREATE TABLE staging.desk__tickets AS
     SELECT * FROM (VALUES ('T1', 'O1', 'open', 'urgent'), ('T2', 'O1', 'pending', 'normal'), ('T3', 'O1', 'solved', 'urgent'))
       v(id, org, status, priority)`,
  );
  // A billing customer whose metadata names the CRM account, as integrations write it.
  await t.warehouse.query(
    `CREATE TABLE staging.stripe__customers AS
     SELECT 'cus_1' AS id, jsonb_build_object('id', 'cus_1', 'name', 'ACME Corporation', 'email', 'ap@billing-acme.example',
              'created', 1704450000, 'metadata', jsonb_build_object('salesforce_account_id', 'A1')) AS _trueup_payload,
            false AS _trueup_deleted`,
  );
});
afterAll(async () => {
  await t?.drop();
  removeProjects();
});

describe("the conformed CRM role", () => {
  it("a CRM and a help desk of the user's own, mapped by SQL files, anchor customers, make contracts, count tickets and compare tiers", async () => {
    const dir = projectWith({ ...FILES, ...DESK_FILES }, "trueup-conformed-");
    const models = await loadModelDefinitions(config, dir);
    const dag = modelDag(models, { dialect: "postgres", config, asOf: "2025-06-01T00:00:00Z" });
    // The lineage `trueup build --list` prints: the user's mapping feeds the role relation.
    expect(dag.get("conformed.crm_account").upstream).toEqual([
      "conformed.crm_account__mycrm",
      "conformed.crm_account__salesforce",
    ]);
    expect(dag.get("canonical.customer_xref").upstream).toContain("conformed.crm_account");
    expect(dag.get("canonical.contract").upstream).toContain("conformed.crm_opportunity");

    const out = await buildModels({
      warehouse: t.warehouse,
      config,
      log,
      models,
      asOf: "2025-06-01T00:00:00Z",
    });
    expect(out.filter((o) => o.status !== "succeeded").map((o) => [o.model, o.error])).toEqual([]);

    const accounts = await t.warehouse.query(
      `SELECT system, account_id, name, owner_id FROM conformed.crm_account ORDER BY account_id`,
    );
    expect(accounts).toEqual([
      { system: "mycrm", account_id: "A1", name: "Acme Corp", owner_id: "u1" },
      { system: "mycrm", account_id: "A2", name: "Globex", owner_id: "u2" },
    ]);
    const xref = await t.warehouse.query<{
      system: string;
      record_id: string;
      method: string;
      customer_id: string;
    }>(
      `SELECT system, record_id, method, customer_id FROM canonical.customer_xref ORDER BY system, record_id`,
    );
    expect(xref.map((x) => [x.system, x.record_id, x.method])).toEqual([
      ["desk", "O1", "link"],
      ["mycrm", "A1", "anchor"],
      ["mycrm", "A2", "anchor"],
      ["stripe", "cus_1", "link"],
    ]);
    expect(new Set([xref[0]!.customer_id, xref[3]!.customer_id])).toEqual(new Set([xref[1]!.customer_id]));
    // The help desk's tickets count in health; its tier is compared with the contract's.
    const [health] = await t.warehouse.query<{ open_tickets: number; urgent_tickets: number }>(
      `SELECT open_tickets::int AS open_tickets, urgent_tickets::int AS urgent_tickets FROM canonical.customer_health WHERE customer_id = $1`,
      [xref[1]!.customer_id],
    );
    expect(health).toEqual({ open_tickets: 2, urgent_tickets: 1 });
    const tiers = await t.warehouse.query(
      `SELECT support_system, zendesk_organization_id, current_support_tier, contract_support_tier
         FROM canonical.support_tier_corrections`,
    );
    expect(tiers).toEqual([
      {
        support_system: "desk",
        zendesk_organization_id: "O1",
        current_support_tier: "standard",
        contract_support_tier: "premium",
      },
    ]);
    const customers = await t.warehouse.query(
      `SELECT crm_system, crm_account_id, salesforce_account_id, stripe_customer_id, owner_id
         FROM canonical.customer ORDER BY crm_account_id`,
    );
    expect(customers).toEqual([
      {
        crm_system: "mycrm",
        crm_account_id: "A1",
        salesforce_account_id: null,
        stripe_customer_id: "cus_1",
        owner_id: "u1",
      },
      {
        crm_system: "mycrm",
        crm_account_id: "A2",
        salesforce_account_id: null,
        stripe_customer_id: null,
        owner_id: "u2",
      },
    ]);
    const contracts = await t.warehouse.query(
      `SELECT contract_id, crm_system, crm_account_id, acv::text AS acv, currency, support_tier, term_months
         FROM canonical.contract`,
    );
    expect(contracts).toEqual([
      {
        contract_id: "D1",
        crm_system: "mycrm",
        crm_account_id: "A1",
        acv: "12000",
        currency: "USD",
        support_tier: "premium",
        term_months: 11,
      },
    ]);
  });

  it("a system in roles.crm without its mapping model is an error naming the file to add", async () => {
    const dir = projectWith({ "models/.keep": "" }, "trueup-conformed-");
    const other = parseConfig({ models: { paths: ["models"] }, roles: { crm: ["salesforce", "pipedrive"] } });
    const models = await loadModelDefinitions(other, dir);
    expect(() =>
      modelDag(models, { dialect: "postgres", config: other, asOf: "2026-01-01T00:00:00Z" }),
    ).toThrow(
      /roles\.crm names pipedrive, but no model builds conformed\.crm_account__pipedrive: add conformed\/crm_account__pipedrive\.sql/,
    );
    expect(() => parseConfig({ roles: { crm: ["salesforce", "salesforce"] } })).toThrow(
      /roles\.crm.*listed twice/,
    );
    expect(() => parseConfig({ roles: { crm: [] } })).toThrow(/roles\.crm/);
  });
});
