/**
 * A run costs what changed, and what it keeps is what a full rebuild makes. The DAG runs in full
 * against the sandbox; records are edited in every source (the four vendor APIs through the
 * sandbox's admin API, the legacy ERP by a new export file); a second run rebuilds only what
 * those edits reach; a third, with nothing changed, rebuilds nothing. Every canonical and recon
 * table is then snapshotted, rebuilt with `trueup build --full-refresh` and `trueup reconcile`,
 * and compared with the snapshot value for value.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { generateWorld } from "../../sandbox/world/generate.js";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

let t: TestDatabase;
let dir: string;
let sandbox: RunningSandbox;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "trueup-incr-"));
  await generateWorld({ seed: 11, scale: 0.04, out: dir });
  sandbox = await startSandbox({ worldDir: dir, port: 0 });
  env = { ...sandbox.env, WAREHOUSE_URL: t.url, TRUEUP_LOG_LEVEL: "warn" };
}, 120_000);
afterAll(async () => {
  await sandbox?.close();
  await t?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) =>
  runCli(["--config", path.join(REPO_ROOT, "trueup.config.ts"), ...args], { env, timeoutMs: 180_000 });

interface NodeRow {
  node: string;
  kind: string;
  status: string;
  skipped: string | null;
}

async function run(args: string[] = []): Promise<NodeRow[]> {
  const r = await cli(["--json", "run", ...args]);
  expect(r.code, r.stderr).toBe(0);
  const [last] = JSON.parse((await cli(["--json", "runs", "--limit", "1"])).stdout) as { nodes: NodeRow[] }[];
  return last!.nodes;
}

const jsonl = (file: string) =>
  readFileSync(path.join(dir, file), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function admin(system: string, object: string, id: unknown, patch: object): Promise<void> {
  const r = await fetch(`${sandbox.urls.stripe}/__sandbox/${system}/${object}/${String(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json" },
    body: JSON.stringify(patch),
  });
  expect(r.status, await r.text()).toBe(200);
}

/** Edits in every source: names (identity), amounts and statuses (matching, rules), tickets (health). */
async function editEverySource(): Promise<void> {
  const accounts = jsonl("salesforce/Account.jsonl").slice(0, 4);
  for (const a of accounts) await admin("salesforce", "Account", a.Id, { Name: `${String(a.Name)} Holding` });
  const opp = jsonl("salesforce/Opportunity.jsonl").find((o) => o.StageName === "Closed Won");
  if (opp) await admin("salesforce", "Opportunity", opp.Id, { Amount: Number(opp.Amount ?? 0) + 1234 });
  const customers = jsonl("stripe/customers.jsonl").filter((c) => c.deleted !== true);
  for (const c of customers.slice(0, 4))
    await admin("stripe", "customers", c.id, { name: `${String(c.name)} (renamed)` });
  const invoice = jsonl("stripe/invoices.jsonl").find((i) => i.status === "open");
  if (invoice) await admin("stripe", "invoices", invoice.id, { status: "paid" });
  for (const x of jsonl("netsuite/transaction.jsonl").slice(0, 3))
    await admin("netsuite", "transaction", x.id, { memo: `edited ${String(x.id)}` });
  for (const o of jsonl("zendesk/organizations.jsonl").slice(0, 2))
    await admin("zendesk", "organizations", o.id, { name: `${String(o.name)} Support` });
  const ticket = jsonl("zendesk/tickets.jsonl").find((k) => k.status === "open");
  if (ticket) await admin("zendesk", "tickets", ticket.id, { status: "solved" });
  // The legacy ERP: a new export whose first invoice row is the same invoice, now paid.
  const exports = path.join(dir, "erp_exports");
  const file = readdirSync(exports).find((f) => /^invoices_.*\.csv$/.test(f))!;
  const lines = readFileSync(path.join(exports, file), "utf8").split(/\r?\n/);
  const header = lines[0]!.replace(/^\ufeff/, "").split(";");
  const status = header.indexOf("status");
  const row = lines[1]!.split(";");
  row[status] = row[status] === "paid" ? "open" : "paid";
  writeFileSync(path.join(exports, "invoices_9999_edit.csv"), `${lines[0]}\n${row.join(";")}\n`);
  // Zendesk's incremental export returns what changed more than a minute ago.
  sandbox.store.advance(120_000);
}

/** Every table and view of canonical and recon, with the columns that hold results (not run ids). */
async function relations(): Promise<{ name: string; columns: string[] }[]> {
  const rows = await t.warehouse.query<{ schema: string; name: string; columns: string[] }>(
    `SELECT c.table_schema AS schema, c.table_name AS name, array_agg(c.column_name::text ORDER BY c.ordinal_position) AS columns
       FROM information_schema.columns c
      WHERE c.table_schema IN ('canonical', 'recon') AND c.table_name NOT LIKE '%\\_\\_%'
        AND c.column_name NOT IN ('last_run_id', 'changed_run_id', 'run_id')
      GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ name: `"${r.schema}"."${r.name}"`, columns: r.columns }));
}

async function snapshot(into: string): Promise<void> {
  await t.warehouse.query(`CREATE SCHEMA ${into}`);
  for (const r of await relations()) {
    const name = r.name.replace(/^"(\w+)"\."(\w+)"$/, "$1__$2");
    await t.warehouse.query(
      `CREATE TABLE ${into}.${name} AS SELECT ${r.columns.map((c) => `"${c}"`).join(", ")} FROM ${r.name}`,
    );
  }
}

/** Rows of each relation in one and not the other (both ways, duplicates counted). */
async function differences(snap: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await relations()) {
    const name = r.name.replace(/^"(\w+)"\."(\w+)"$/, "$1__$2");
    const cols = r.columns.map((c) => `"${c}"`).join(", ");
    const [d] = await t.warehouse.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM (SELECT ${cols} FROM ${r.name} EXCEPT ALL SELECT ${cols} FROM ${snap}.${name}) a)
            + (SELECT count(*) FROM (SELECT ${cols} FROM ${snap}.${name} EXCEPT ALL SELECT ${cols} FROM ${r.name}) b) AS n`,
    );
    out[r.name] = Number(d!.n);
  }
  return out;
}

const work = (nodes: NodeRow[], kinds: string[]) =>
  nodes.filter((n) => kinds.includes(n.kind) && n.status === "succeeded" && !n.skipped).map((n) => n.node);

describe("incremental runs against a full rebuild", () => {
  it("a rerun rebuilds what the edits reach, a quiet one nothing, and both equal a full rebuild", async () => {
    const first = await run();
    expect(work(first, ["model"]).length).toBeGreaterThan(5);

    await editEverySource();
    const second = await run();
    // The edits reach identity, so invoices, payments and the rules reading them are redone; the
    // FX rates changed nowhere and are kept.
    expect(work(second, ["model"])).toContain("canonical.customer_xref");
    expect(work(second, ["model"])).toContain("canonical.invoice");
    expect(work(second, ["model"])).not.toContain("canonical.fx_rate");
    expect(work(second, ["reconcile"])).toContain("recon.invoices");

    // Whatever the second run left for the next one to read (a source reporting a change late, as
    // Zendesk's export holds back its last minute, which includes the second run's own syncs'
    // writes) is read by a settling run, past that minute; the run after it has nothing new.
    sandbox.store.advance(120_000);
    await run();
    const third = await run();
    const models = third.filter((n) => n.kind === "model");
    const families = third.filter((n) => n.kind === "reconcile");
    expect(models.length).toBeGreaterThan(5);
    expect(families.length).toBeGreaterThan(3);
    expect(
      [...models, ...families].filter((n) => n.skipped !== "inputs unchanged").map((n) => n.node),
    ).toEqual([]);
    const printed = (await cli(["runs", "--limit", "1"])).stdout;
    expect(printed).toMatch(/canonical\.invoice\s+succeeded, skipped: inputs unchanged/);

    await snapshot("incr_snapshot");
    const [events] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM recon.discrepancy_events`,
    );
    const build = await cli(["--json", "build", "--full-refresh"]);
    expect(build.code, build.stderr).toBe(0);
    const reconcile = await cli(["--json", "reconcile"]);
    expect(reconcile.code, reconcile.stderr).toBe(0);

    const diff = await differences("incr_snapshot");
    expect(Object.keys(diff).filter((k) => k.startsWith('"canonical"')).length).toBeGreaterThan(5);
    expect(Object.keys(diff)).toContain('"recon"."discrepancy"');
    expect(Object.entries(diff).filter(([, n]) => n > 0)).toEqual([]);
    // A full evaluation of the same data found nothing to open, reopen or resolve.
    const [after] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM recon.discrepancy_events`,
    );
    expect(after!.n).toBe(events!.n);
    const [open] = await t.warehouse.query<{ n: string }>(
      `SELECT count(*) AS n FROM recon.discrepancy WHERE status = 'open'`,
    );
    expect(Number(open!.n)).toBeGreaterThan(0);
  }, 600_000);
});
