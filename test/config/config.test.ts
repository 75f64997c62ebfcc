import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../config/load.js";
import { runCli } from "../helpers/cli.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function configFile(body: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "trueup-cfg-"));
  dirs.push(dir);
  const file = path.join(dir, "trueup.config.ts");
  writeFileSync(file, `export const config = ${body};\n`);
  return file;
}

describe("config errors exit 2 and name the key", () => {
  it("a misspelt key", async () => {
    const file = configFile(`{ sources: { stripe: { lookbakSeconds: 600 } } }`);
    const r = await runCli(["--config", file, "runs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sources.stripe.lookbakSeconds");
    expect(r.stderr).toMatch(/unknown key/);
  });

  it("a wrong type, with the value it got and what it expected", async () => {
    const file = configFile(`{ reconciliation: { windowDays: "three" } }`);
    const r = await runCli(["--config", file, "runs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("reconciliation.windowDays");
    expect(r.stderr).toContain(`"three" (string)`);
    expect(r.stderr).toContain("expected number");
  });

  it("a missing --config file", async () => {
    const r = await runCli(["--config", "/nonexistent/trueup.config.ts", "runs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("/nonexistent/trueup.config.ts does not exist");
  });

  it("usage errors exit 2; --help exits 0 and lists every command", async () => {
    expect((await runCli(["run", "--no-such-flag"])).code).toBe(2);
    expect((await runCli(["demo", "--seed", "x"])).code).toBe(2);
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const cmd of [
      "demo",
      "world",
      "sandbox",
      "run",
      "extract",
      "build",
      "reconcile",
      "sync",
      "worker",
      "runs",
      "compile",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, "m"));
    }
  });

  it("a sync writing a field outside the allow-list or into its own system of record is refused at load", () => {
    const base = {
      writable: { salesforce: { Account: ["Billing_Status__c"] } },
      ownership: { "customer.owner": "salesforce" as const },
    };
    const sync = (mapping: Record<string, string>) => ({
      ...base,
      syncs: [
        {
          name: "acct",
          model: "canonical.customer_health",
          destination: { system: "salesforce" as const, object: "Account" },
          matchKey: { column: "salesforce_account_id", field: "Id" },
          mapping,
        },
      ],
    });
    expect(() => parseConfig(sync({ Billing_Status__c: "billing_status" }))).not.toThrow();
    expect(() => parseConfig(sync({ Health__c: "health_score" }))).toThrow(
      /syncs\.acct\.mapping\.Health__c: .*allow-list/,
    );
    // By meaning: Account.OwnerId is customer.owner (Salesforce's own), whatever the column is called.
    const owned = { ...sync({ OwnerId: "owner_id" }) };
    expect(() => parseConfig(owned)).toThrow(
      /syncs\.acct\.mapping\.OwnerId: salesforce Account\.OwnerId is customer\.owner, whose system of record is salesforce/,
    );
  });
});

describe("secrets", () => {
  it("a secret in the config file is refused without echoing its value", async () => {
    const file = configFile(`{ sources: { stripe: { apiKey: "sk_live_abcdefghijklmnop" } } }`);
    const r = await runCli(["--config", file, "runs"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sources.stripe.apiKey");
    expect(r.stderr).toMatch(/environment/);
    expect(r.stdout + r.stderr).not.toContain("sk_live_abcdefghijklmnop");
  });

  it("a warehouse password never appears when the connection fails", async () => {
    const r = await runCli(["runs"], {
      env: { WAREHOUSE_URL: "postgres://someone:Sup3rS3cretPassw0rd@127.0.0.1:1/nowhere" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to the warehouse/);
    expect(r.stdout + r.stderr).not.toContain("Sup3rS3cretPassw0rd");
  });
});
