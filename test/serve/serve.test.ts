import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../serve/auth.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { faultEnv, runTrueup } from "../helpers/faults.js";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const BIN = path.join(REPO_ROOT, "bin/trueup.js");
const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PREPARER_PASSWORD = "pat-Correct-Horse-7291";
const VIEWER_PASSWORD = "vic-Battery-Staple-5512";
const APPROVER_PASSWORD = "ada-Tr0ub4dor-8830";

/**
 * `trueup serve` from the real CLI over a warehouse a real `trueup run` filled from a sandbox
 * world, driven by a headless Chromium: a preparer filters the queue and explains an item and
 * is refused an approver's action; an approver approves a correction plan and signs a period
 * off. Anonymous requests get 401 and a form posted without the session's token is refused.
 */
describe("trueup serve", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  let dir: string;
  let serve: ChildProcess;
  let base: string;
  let serveOutput = "";
  let browser: Browser;
  const env = () => ({
    ...faultEnv(t.url, w.sandbox.env),
    TRUEUP_USER_PAT_PASSWORD: PREPARER_PASSWORD,
    VIEWER_SECRET_PASSWORD: VIEWER_PASSWORD,
    TRUEUP_LOG_LEVEL: "info",
  });

  beforeAll(async () => {
    [w, t] = await Promise.all([sandboxWorld(61, 0.05), createTestDatabase()]);
    dir = mkdtempSync(path.join(tmpdir(), "trueup-serve-"));
    const asOf = (JSON.parse(readFileSync(path.join(w.dir, "world.json"), "utf8")) as { as_of: string })
      .as_of;
    // The example config with three users: passwords from the environment (default and named
    // variable) and one as a scrypt hash; materiality high enough that a period can be signed.
    writeFileSync(
      path.join(dir, "trueup.config.ts"),
      `import { config as example } from ${JSON.stringify(path.join(REPO_ROOT, "trueup.config.ts"))};
export const config = {
  ...example,
  reconciliation: { ...example.reconciliation, materiality: 1e12 },
  serve: {
    users: {
      pat: { role: "preparer" },
      vic: { role: "viewer", passwordEnv: "VIEWER_SECRET_PASSWORD" },
      ada: { role: "approver", passwordHash: ${JSON.stringify(await hashPassword(APPROVER_PASSWORD))} },
    },
  },
};
`,
    );
    const run = await runTrueup(["--config", path.join(dir, "trueup.config.ts"), "run", "--as-of", asOf], {
      ...env(),
      TRUEUP_LOG_LEVEL: "error",
    });
    expect(run.code, run.stderr).toBe(0);

    serve = spawn(
      process.execPath,
      [BIN, "--config", path.join(dir, "trueup.config.ts"), "serve", "--port", "0"],
      {
        cwd: dir,
        env: env(),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`trueup serve did not start:\n${serveOutput}`)),
        60_000,
      );
      const onData = (d: Buffer) => {
        serveOutput += d.toString();
        const m = /trueup serve: (http:\/\/\S+)/.exec(serveOutput);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      serve.stdout!.on("data", onData);
      serve.stderr!.on("data", onData);
      serve.on("exit", (code) => reject(new Error(`trueup serve exited ${code}:\n${serveOutput}`)));
    });
    expect(existsSync(CHROMIUM), `${CHROMIUM} (install Debian's chromium)`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill("SIGTERM");
    await t?.drop();
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const reviewOf = async (category: string, key: string) =>
    (
      await t.warehouse.query<{
        review_state: string;
        reason_code: string | null;
        reviewed_by: string | null;
      }>(
        `SELECT review_state, reason_code, reviewed_by FROM recon.discrepancy WHERE category = $1 AND key = $2`,
        [category, key],
      )
    )[0]!;

  async function login(page: Page, user: string, password: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.fill('input[name="user"]', user);
    await page.fill('input[name="password"]', password);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    expect(await page.locator("header .who").textContent()).toContain(user);
  }

  /**
   * Posts a form from the page itself, as a tampered page would, with the page's own session
   * token (the pages' CSP allows no fetch, but a form to this server); returns the status.
   */
  async function postFromPage(page: Page, action: string, fields: Record<string, string>): Promise<number> {
    // From a page of its own: a navigation still under way would destroy the script's context.
    await page.goto(`${base}/`);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === action),
      page.evaluate(
        ([action, fields]) => {
          // Runs in the page: the DOM is there, though this file's types do not know it.
          interface El {
            setAttribute(n: string, v: string): void;
            getAttribute(n: string): string;
            appendChild(c: El): void;
            submit(): void;
          }
          const doc = (
            globalThis as unknown as {
              document: { querySelector(s: string): El; createElement(t: string): El; body: El };
            }
          ).document;
          const csrf = doc.querySelector('meta[name="csrf-token"]').getAttribute("content");
          const form = doc.createElement("form");
          form.setAttribute("method", "post");
          form.setAttribute("action", action);
          for (const [name, value] of Object.entries({ ...fields, csrf })) {
            const input = doc.createElement("input");
            input.setAttribute("type", "hidden");
            input.setAttribute("name", name);
            input.setAttribute("value", value);
            form.appendChild(input);
          }
          doc.body.appendChild(form);
          // After evaluate returns: the navigation would otherwise destroy its context mid-call.
          setTimeout(() => form.submit(), 0);
        },
        [action, fields] as const,
      ),
    ]);
    // The form's navigation goes on after its response: let it finish before the next goto.
    await page.waitForURL((url) => url.pathname === action);
    return response.status();
  }

  it("answers 401 to anonymous requests, and refuses a form posted without the session's token", async () => {
    for (const p of ["/", "/plans", "/close", "/discrepancy?key=x&category=y"]) {
      const r = await fetch(`${base}${p}`, { redirect: "manual" });
      expect(r.status, p).toBe(401);
      expect(await r.text()).toContain('name="password"');
    }
    const anonPost = await fetch(`${base}/plans/approve`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "plan=x",
      redirect: "manual",
    });
    expect(anonPost.status).toBe(401);

    // A real session (signed in through the login form), then a forged post: its cookie, no token.
    const loginPage = await fetch(`${base}/login`);
    const loginCookie = loginPage.headers.getSetCookie().map((c) => c.split(";")[0]!);
    const token = /name="csrf" value="([^"]+)"/.exec(await loginPage.text())![1]!;
    expect(loginPage.headers.getSetCookie().join(";")).toMatch(/SameSite=Strict/);
    const signedIn = await fetch(`${base}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: loginCookie.join("; ") },
      body: new URLSearchParams({ user: "pat", password: PREPARER_PASSWORD, csrf: token, next: "/" }),
      redirect: "manual",
    });
    expect(signedIn.status).toBe(303);
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith("trueup_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    const cookie = session.split(";")[0]!;
    const [target] = await t.warehouse.query<{ category: string; key: string }>(
      `SELECT category, key FROM recon.discrepancy WHERE status = 'open' ORDER BY amount_reporting DESC NULLS LAST LIMIT 1`,
    );
    const before = await reviewOf(target!.category, target!.key);
    const form = { category: target!.category, key: target!.key, reason: "timing", note: "forged" };
    for (const body of [new URLSearchParams(form), new URLSearchParams({ ...form, csrf: "not-the-token" })]) {
      const forged = await fetch(`${base}/discrepancy/explain`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body,
        redirect: "manual",
      });
      expect(forged.status).toBe(403);
    }
    // The same post from another site's page, token or not, is refused by its origin.
    const crossSite = await fetch(`${base}/discrepancy/explain`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie,
        origin: "https://evil.example",
      },
      body: new URLSearchParams(form),
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);
    expect(await reviewOf(target!.category, target!.key)).toEqual(before);
  });

  it("a preparer filters the queue, explains an item and is refused an approver's action", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await login(page, "pat", PREPARER_PASSWORD);

    const rows = page.locator("table[data-testid=queue] tbody tr");
    const all = await rows.count();
    expect(all).toBeGreaterThan(1);
    const amounts = await page.$$eval("table[data-testid=queue] tbody tr td:first-child", (tds) =>
      tds.map((td) => Number((td.textContent ?? "").replace(/[^0-9.-]/g, "")) || 0),
    );
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    await page.screenshot({ path: path.join(tmpdir(), "trueup-serve-queue.png"), fullPage: false });

    // Filter by the category of the largest item: every row shown is of it, and the count is the warehouse's.
    const category = (await rows.first().getAttribute("data-category"))!;
    await page.selectOption('select[name="category"]', category);
    await Promise.all([page.waitForURL(/category=/), page.click('form.filters button[type="submit"]')]);
    const shown = await page.$$eval("table[data-testid=queue] tbody tr", (trs) =>
      trs.map((tr) => tr.getAttribute("data-category")),
    );
    const [{ n }] = (await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM recon.discrepancy WHERE status = 'open' AND category = $1`,
      [category],
    )) as [{ n: string }];
    expect(shown.length).toBe(Math.min(Number(n), 500));
    expect(new Set(shown)).toEqual(new Set([category]));

    // Owner team and amount too (the category filter still set): the warehouse's count again.
    const team = (await rows.first().locator("td").nth(7).textContent())!.trim();
    const floor = amounts[Math.floor(amounts.length / 2)]!;
    await page.selectOption('select[name="team"]', team);
    await page.fill('input[name="minAmount"]', String(floor));
    await Promise.all([page.waitForURL(/minAmount=/), page.click('form.filters button[type="submit"]')]);
    const [{ m }] = (await t.warehouse.query<{ m: string }>(
      `SELECT count(*) AS m FROM recon.discrepancy
        WHERE status = 'open' AND category = $1 AND owner_team = $2 AND amount_reporting >= $3`,
      [category, team, floor],
    )) as [{ m: string }];
    expect(Number(m)).toBeGreaterThan(0);
    expect(await rows.count()).toBe(Number(m));
    expect(Number(await page.locator("[data-testid=queue-count]").textContent())).toBe(Number(m));

    // Explain the first item, with a reason code and a note.
    const key = (await rows.first().getAttribute("data-key"))!;
    await Promise.all([page.waitForURL(/\/discrepancy\?/), rows.first().locator("a").first().click()]);
    await page.locator("[data-testid=review-state]").waitFor();
    await page.selectOption('select[name="reason"]', "timing");
    await page.fill('textarea[name="note"]', "Posted in the ERP on the 2nd <b>next</b> month");
    await Promise.all([
      page.waitForURL(/\/discrepancy\?/),
      page.click('form[action="/discrepancy/explain"] button[type="submit"]'),
    ]);
    expect(await page.locator("[role=status]").textContent()).toContain("Explained");
    expect((await page.locator("[data-testid=review-state]").textContent())?.trim()).toBe("explained");
    expect(await page.locator("table[data-testid=history]").textContent()).toContain("pat");
    // The note is shown as text, not markup.
    expect(await page.locator("main b").count()).toBe(0);
    expect(await reviewOf(category, key)).toMatchObject({
      review_state: "explained",
      reason_code: "timing",
      reviewed_by: "pat",
    });

    // An approver's actions: the page offers no button, and posting the form anyway is refused.
    await page.goto(`${base}/plans`);
    expect(await page.locator('form[action="/plans/approve"]').count()).toBe(0);
    const [plan] = await t.warehouse.query<{ plan_id: string }>(
      `SELECT plan_id FROM reverse.plans WHERE status = 'pending' LIMIT 1`,
    );
    expect(plan, "trueup run left a correction plan pending").toBeDefined();
    expect(await postFromPage(page, "/plans/approve", { plan: plan!.plan_id })).toBe(403);
    const period = new Date().toISOString().slice(0, 7);
    expect(await postFromPage(page, "/close/signoff", { period, entity: "all" })).toBe(403);
    const [still] = await t.warehouse.query<{ status: string }>(
      `SELECT status FROM reverse.plans WHERE plan_id = $1`,
      [plan!.plan_id],
    );
    expect(still!.status).toBe("pending");
    expect(await t.warehouse.query(`SELECT * FROM recon.signoff`)).toEqual([]);
    await context.close();
  });

  it("a viewer reads but cannot act", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, "vic", VIEWER_PASSWORD);
    const row = page.locator("table[data-testid=queue] tbody tr").first();
    const category = (await row.getAttribute("data-category"))!;
    const key = (await row.getAttribute("data-key"))!;
    await Promise.all([page.waitForURL(/\/discrepancy\?/), row.locator("a").first().click()]);
    expect(await page.locator("[data-testid=history]").count()).toBe(1);
    expect(await page.locator('form[action="/discrepancy/explain"]').count()).toBe(0);
    const before = await reviewOf(category, key);
    expect(await postFromPage(page, "/discrepancy/assign", { category, key, to: "vic" })).toBe(403);
    expect(await reviewOf(category, key)).toEqual(before);
    await context.close();
  });

  it("an approver approves a correction plan and signs off a period", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, "ada", APPROVER_PASSWORD);

    await page.goto(`${base}/plans`);
    const section = page.locator("section[data-plan]").first();
    const planId = (await section.getAttribute("data-plan"))!;
    await Promise.all([page.waitForURL(`${base}/plans`), section.locator("button").click()]);
    expect(await page.locator("[role=status]").textContent()).toContain(`Approved ${planId}`);
    const [applied] = await t.warehouse.query<{ status: string; applied_run_id: string }>(
      `SELECT status, applied_run_id FROM reverse.plans WHERE plan_id = $1`,
      [planId],
    );
    expect(applied!.status).toBe("applied");
    const audited = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM reverse.audit WHERE plan_id = $1 AND run_id = $2`,
      [planId, applied!.applied_run_id],
    );
    expect(Number(audited[0]!.n)).toBeGreaterThan(0);
    expect(await page.locator(`section[data-plan="${planId}"]`).count()).toBe(0);
    // Who approved it and when: on the plan, as its event, and on the plans page.
    const [approval] = await t.warehouse.query<{ approved_by: string; approved_at: Date | null }>(
      `SELECT approved_by, approved_at FROM reverse.plans WHERE plan_id = $1`,
      [planId],
    );
    expect(approval!.approved_by).toBe("ada");
    expect(approval!.approved_at).toBeInstanceOf(Date);
    const events = await t.warehouse.query<{ event: string; actor: string; run_id: string }>(
      `SELECT event, actor, run_id FROM reverse.plan_events WHERE plan_id = $1`,
      [planId],
    );
    expect(events).toEqual([{ event: "approved", actor: "ada", run_id: applied!.applied_run_id }]);
    expect(
      await page
        .locator(`table[data-testid=approved] tr[data-plan="${planId}"] [data-testid=approved-by]`)
        .textContent(),
    ).toBe("ada");

    // The close page of the largest item's month: sign off its first entity.
    const [item] = await t.warehouse.query<{ category: string; key: string }>(
      `SELECT category, key FROM recon.discrepancy WHERE status = 'open' ORDER BY amount_reporting DESC NULLS LAST LIMIT 1`,
    );
    await page.goto(
      `${base}/discrepancy?${new URLSearchParams({ category: item!.category, key: item!.key })}`,
    );
    const period = (await page.locator("[data-testid=period]").textContent())!;
    await page.goto(`${base}/close?period=${period}`);
    const entityRow = page.locator("table[data-testid=close] tbody tr").first();
    const entity = (await entityRow.getAttribute("data-entity"))!;
    await Promise.all([page.waitForURL(/\/close\?period=/), entityRow.locator("button").click()]);
    expect(await page.locator("[role=status]").textContent()).toContain(`Signed off ${period}`);
    expect(await page.locator(`tr[data-entity="${entity}"] [data-testid=signed]`).textContent()).toContain(
      "ada",
    );
    const signed = await t.warehouse.query<{ signed_by: string }>(
      `SELECT signed_by FROM recon.signoff WHERE period = $1`,
      [period],
    );
    expect(signed.map((s) => s.signed_by)).toContain("ada");

    // No password and no vendor credential in any page or in what the server logged.
    const html = await page.content();
    const secrets = [
      PREPARER_PASSWORD,
      VIEWER_PASSWORD,
      APPROVER_PASSWORD,
      ...Object.entries(w.sandbox.env)
        .filter(([k]) => /SECRET|TOKEN|PASSWORD|API_KEY/.test(k))
        .map(([, v]) => v),
    ];
    for (const s of secrets) {
      expect(html).not.toContain(s);
      expect(serveOutput).not.toContain(s);
    }
    expect(serveOutput).toContain('"actor":"ada"');
    await context.close();
  });
});
