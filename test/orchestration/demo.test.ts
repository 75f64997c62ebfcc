import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { DISCREPANCY_CATEGORIES } from "../../config/schema.js";
import { runCli } from "../helpers/cli.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("trueup demo", () => {
  it("runs the whole DAG through graphile-worker on the embedded Postgres; the report shows the warehouse's counts", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "trueup-demo-"));
    dirs.push(cwd);
    // Run as root, the embedded Postgres runs as `postgres`, which must enter the folder.
    chmodSync(cwd, 0o755);
    const { WAREHOUSE_URL: _ignored, ...env } = process.env;
    const r = await runCli(["--json", "demo", "--seed", "7", "--scale", "0.2"], {
      cwd,
      env,
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    // A clean shutdown: no connection of ours outlives the embedded server it talks to.
    expect(r.stderr).not.toMatch(/terminating connection|"level":"error"/);
    const out = JSON.parse(r.stdout) as {
      status: string;
      stages: { kind: string; failed: string }[];
      categories: { category: string; open: string }[];
      syncs: { sync: string; verified: number; status: string }[];
      report: string;
    };
    expect(out.status).toBe("succeeded");
    expect(out.stages.map((s) => s.kind).sort()).toEqual(["extract", "model", "reconcile", "sync"]);
    expect(out.stages.every((s) => Number(s.failed) === 0)).toBe(true);
    // The demo world (seed 7, scale 0.2) plants every built-in category.
    expect(out.categories.map((c) => c.category).sort()).toEqual([...DISCREPANCY_CATEGORIES].sort());
    expect(existsSync(out.report)).toBe(true);

    // The report in a real headless browser: the figures on the page are the warehouse's.
    expect(existsSync(CHROMIUM), `${CHROMIUM} (install Debian's chromium; .ci/setup-browser does)`).toBe(
      true,
    );
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${out.report}`);
      const shown = await page.$$eval("tr[data-category]", (rows) =>
        rows.map((row) => [row.getAttribute("data-category"), Number(row.children[1]!.textContent)]),
      );
      expect(Object.fromEntries(shown)).toEqual(
        Object.fromEntries(out.categories.map((c) => [c.category, Number(c.open)])),
      );
      const total = await page.textContent("[data-total-open]");
      expect(Number(total)).toBe(out.categories.reduce((n, c) => n + Number(c.open), 0));
      const syncs = await page.$$eval("tr[data-sync]", (rows) =>
        rows.map((row) => [row.getAttribute("data-sync"), Number(row.children[5]!.textContent)]),
      );
      expect(Object.fromEntries(syncs)).toEqual(
        Object.fromEntries(out.syncs.map((s) => [s.sync, s.verified])),
      );
      expect(await page.locator("#chart-categories").count()).toBe(1);
    } finally {
      await browser.close();
    }
  });
});

describe("trueup sandbox", () => {
  it("--crm hubspot: the same company on HubSpot, read by the declarative source and written back to its companies", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "trueup-demo-hs-"));
    dirs.push(cwd);
    chmodSync(cwd, 0o755);
    const { WAREHOUSE_URL: _ignored, ...env } = process.env;
    const r = await runCli(["--json", "demo", "--seed", "7", "--scale", "0.2", "--crm", "hubspot"], {
      cwd,
      env,
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(r.stdout) as {
      status: string;
      world: string;
      categories: { category: string; open: string }[];
      syncs: { sync: string; written: number; verified: number; write_calls: number; status: string }[];
    };
    expect(out.status).toBe("succeeded");
    expect(out.world).toMatch(/seed-7-scale-0\.2-hubspot$/);
    // The HubSpot world plants every category too: the contract and entitlement rules read the CRM
    // through the conformed layer.
    expect(out.categories.map((c) => c.category).sort()).toEqual([...DISCREPANCY_CATEGORIES].sort());
    const bySync = Object.fromEntries(out.syncs.map((s) => [s.sync, s]));
    const hs = bySync.hubspot_company_health!;
    expect(hs.status).toBe("succeeded");
    expect(hs.written).toBeGreaterThan(100);
    expect(hs.verified).toBe(hs.written);
    // batch/update takes 100 companies a call.
    expect(hs.write_calls).toBe(Math.ceil(hs.written / 100));
    expect(bySync.salesforce_account_health!.written).toBe(0);
  }, 300_000);

  it("serves the four APIs, writes --env-file, and stops on SIGTERM", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "trueup-sbcli-"));
    dirs.push(cwd);
    const envFile = path.join(cwd, ".env.sandbox");
    // bin/trueup is the command users run (`npx trueup`): Node itself would grab --env-file.
    const child = spawn(
      path.join(ROOT, "bin", "trueup"),
      ["sandbox", "--seed", "3", "--scale", "0.05", "--port", "0", "--env-file", envFile],
      {
        cwd,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      for (let i = 0; i < 150 && !existsSync(envFile); i++) await new Promise((r) => setTimeout(r, 200));
      expect(existsSync(envFile), stderr).toBe(true);
      const env = Object.fromEntries(
        readFileSync(envFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      for (const k of [
        "SALESFORCE_INSTANCE_URL",
        "STRIPE_API_BASE",
        "NETSUITE_BASE_URL",
        "ZENDESK_BASE_URL",
        "ERP_EXPORT_DIR",
        "FX_RATES_FILE",
      ])
        expect(env[k], k).toBeTruthy();
      const res = await fetch(`${env.STRIPE_API_BASE}/v1/customers?limit=1`, {
        headers: { authorization: `Bearer ${env.STRIPE_API_KEY}` },
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect(code).toBe(143);
  });
});
