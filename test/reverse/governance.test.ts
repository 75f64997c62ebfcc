import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { runCli } from "../helpers/cli.js";

/**
 * Ownership is judged by meaning: a destination field is a canonical field (Salesforce's
 * Account.OwnerId is customer.owner) and a model column is one too (canonical.customer.owner_id
 * is customer.owner), whatever either is called. Before, only names were compared: mapping
 * `{ OwnerId: "owner_id" }` wrote Salesforce's own OwnerId, while `{ Billing_Status__c: "owner" }`
 * was refused for a column that does not even exist in its model.
 */
const WRITABLE = {
  salesforce: { Account: ["OwnerId", "Billing_Status__c", "Name"] },
  zendesk: { organizations: ["organization_fields.support_tier", "organization_fields.billing_status"] },
};

function salesforceSync(mapping: Record<string, string>, model = "canonical.customer_health") {
  return {
    name: "acct",
    model,
    destination: { system: "salesforce" as const, object: "Account" },
    matchKey: { column: "salesforce_account_id", field: "Id" },
    mapping,
  };
}

function config(syncs: unknown[], ownership: Record<string, string> = { "customer.owner": "salesforce" }) {
  return parseConfig({ models: { builtin: false }, writable: WRITABLE, ownership, syncs });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("governance by meaning", () => {
  it("refuses writing Account.OwnerId into Salesforce whatever the model column is called", () => {
    for (const column of ["owner_id", "owner", "account_manager"])
      expect(() => config([salesforceSync({ OwnerId: column })]), column).toThrow(
        /syncs\.acct\.mapping\.OwnerId: salesforce Account\.OwnerId is customer\.owner, whose system of record is salesforce/,
      );
    // With no ownership entry, the field's home system (Salesforce) is its system of record.
    expect(() => config([salesforceSync({ OwnerId: "owner_id" })], {})).toThrow(
      /Account\.OwnerId is customer\.owner, whose system of record is salesforce/,
    );
    // Ownership moved to another system: writing the CRM's owner field is then allowed.
    expect(() =>
      config([salesforceSync({ OwnerId: "owner_id" })], { "customer.owner": "netsuite" }),
    ).not.toThrow();
  });

  it("refuses carrying a canonical field back into its system of record under another field name", () => {
    expect(() => config([salesforceSync({ Billing_Status__c: "owner_id" }, "canonical.customer")])).toThrow(
      /syncs\.acct\.mapping\.Billing_Status__c: column owner_id of canonical\.customer is customer\.owner, whose system of record is salesforce/,
    );
    // A column merely named like an owned field is not that field.
    expect(() => config([salesforceSync({ Billing_Status__c: "owner" })])).not.toThrow();
    expect(() => config([salesforceSync({ Billing_Status__c: "billing_status" })])).not.toThrow();
  });

  it("follows the configured system of record for support fields", () => {
    const zd = {
      name: "tier",
      model: "canonical.support_tier_corrections",
      destination: { system: "zendesk" as const, object: "organizations" },
      matchKey: { column: "zendesk_organization_id", field: "id" },
      mapping: { "organization_fields.support_tier": "contract_support_tier" },
    };
    expect(() => config([zd], { "customer.support_tier": "salesforce" })).not.toThrow();
    expect(() => config([zd], { "customer.support_tier": "zendesk" })).toThrow(
      /organizations\.organization_fields\.support_tier is customer\.support_tier, whose system of record is zendesk/,
    );
  });

  it("`trueup sync` with such a mapping exits 2 naming the field, before connecting anywhere", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-gov-"));
    dirs.push(dir);
    const file = path.join(dir, "trueup.config.ts");
    writeFileSync(
      file,
      `export const config = ${JSON.stringify({
        models: { builtin: false },
        writable: WRITABLE,
        ownership: { "customer.owner": "salesforce" },
        syncs: [salesforceSync({ OwnerId: "owner_id" })],
      })};\n`,
    );
    const r = await runCli(["--config", file, "sync"], {
      env: { WAREHOUSE_URL: "postgres://nobody@127.0.0.1:1/none" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/syncs\.acct\.mapping\.OwnerId: salesforce Account\.OwnerId is customer\.owner/);
    expect(r.stderr).not.toMatch(/cannot connect/);
  });
});
