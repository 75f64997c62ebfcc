import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";

/**
 * `trueup extract` killed with SIGKILL at random points, 20 times, then allowed to finish:
 * nothing lost, nothing duplicated, and after every kill no saved cursor is ahead of the rows it
 * covers. A loader that saved the cursor before (or apart from) its rows fails the per-kill check;
 * one that appended without a key fails the duplicate check.
 */
const BIN = path.resolve(import.meta.dirname, "../../bin/trueup.js");
const ROOT = path.resolve(import.meta.dirname, "../..");

/** Deterministic delays (a seeded LCG), so a failure reproduces. */
function delays(seed: number, n: number, min: number, max: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return min + (x % (max - min));
  });
}

function extract(env: NodeJS.ProcessEnv, killAfterMs?: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const args = env.TRUEUP_TEST_FULL_REFRESH ? ["extract", "--full-refresh"] : ["extract"];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code && code !== 0) reject(new Error(`extract exited ${code}: ${stderr.slice(-2000)}`));
      else resolve(signal === "SIGKILL" ? null : code);
    });
  });
}

const STREAMS: {
  table: string;
  file: string;
  key: string;
  live?: (r: Record<string, unknown>) => boolean;
}[] = [
  { table: "salesforce__account", file: "salesforce/Account.jsonl", key: "Id" },
  { table: "salesforce__contact", file: "salesforce/Contact.jsonl", key: "Id" },
  { table: "salesforce__opportunity", file: "salesforce/Opportunity.jsonl", key: "Id" },
  { table: "stripe__customers", file: "stripe/customers.jsonl", key: "id", live: (r) => r.deleted !== true },
  { table: "stripe__invoices", file: "stripe/invoices.jsonl", key: "id" },
  { table: "stripe__charges", file: "stripe/charges.jsonl", key: "id" },
  { table: "netsuite__transaction", file: "netsuite/transaction.jsonl", key: "id" },
  { table: "netsuite__transactionline", file: "netsuite/transactionline.jsonl", key: "id" },
  { table: "zendesk__organizations", file: "zendesk/organizations.jsonl", key: "id" },
  { table: "zendesk__tickets", file: "zendesk/tickets.jsonl", key: "id" },
];

describe("extract killed with SIGKILL 20 times, then finished", () => {
  let w: SandboxWorld;
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    w = await sandboxWorld(41, 0.3);
    t = await createTestDatabase();
    env = { ...process.env, ...w.sandbox.env, WAREHOUSE_URL: t.url, TRUEUP_LOG_LEVEL: "error" };
    delete env.ORCHESTRATOR_DATABASE_URL;
  });
  afterAll(async () => {
    await t?.drop();
    await w?.close();
  });

  /** Every world record at or before a Salesforce stream's saved (SystemModstamp, Id) is in staging. */
  async function salesforceCursorsCovered(): Promise<string[]> {
    const problems: string[] = [];
    const states = await t.warehouse.query<{
      stream: string;
      cursor: { systemModstamp?: string; id?: string };
    }>(`SELECT stream, cursor FROM trueup.extract_state WHERE source = 'salesforce'`);
    for (const s of states) {
      if (!s.cursor?.systemModstamp || !s.cursor.id) continue;
      const table = `salesforce__${s.stream.toLowerCase()}`;
      const have = new Set(
        (await t.warehouse.query<{ id: string }>(`SELECT id FROM staging.${table}`)).map((r) => r.id),
      );
      const at = Date.parse(s.cursor.systemModstamp.replace(/(\d{2})(\d{2})$/, "$1:$2"));
      const covered = w.sandbox.store.list("salesforce", s.stream).filter((r) => {
        const m = Date.parse(String(r.SystemModstamp).replace(/(\d{2})(\d{2})$/, "$1:$2"));
        return m < at || (m === at && String(r.Id) <= s.cursor.id!);
      });
      const missing = covered.filter((r) => !have.has(String(r.Id)));
      if (missing.length)
        problems.push(
          `${table}: cursor ${s.cursor.systemModstamp}/${s.cursor.id} ahead of ${missing.length} rows`,
        );
    }
    return problems;
  }

  it("loses nothing, duplicates nothing, and never saves a cursor ahead of its rows", async () => {
    // A run resumes where the killed one stopped; when a run finished before its kill, the next
    // one rebuilds everything (--full-refresh), so every kill lands in the middle of real work.
    let killed = 0;
    let runs = 0;
    let refresh = true;
    const plan = delays(20261124, 60, 1_400, 4_000);
    while (killed < 20) {
      const ms = plan[runs]!;
      runs++;
      expect(runs, "runs needed to land 20 kills").toBeLessThanOrEqual(60);
      const code = await extract(refresh ? { ...env, TRUEUP_TEST_FULL_REFRESH: "1" } : env, ms);
      refresh = code !== null;
      if (code === null) killed++;
      expect(await salesforceCursorsCovered(), `after run ${runs} (killed at ${ms} ms)`).toEqual([]);
    }
    expect(await extract(env)).toBe(0);

    for (const s of STREAMS) {
      const want = w.jsonl(s.file).filter(s.live ?? (() => true));
      const [counts] = await t.warehouse.query<{ n: string; keys: string }>(
        `SELECT count(*) AS n, count(DISTINCT id) AS keys FROM staging.${s.table}`,
      );
      expect([s.table, Number(counts!.n)]).toEqual([s.table, want.length]);
      expect([s.table, Number(counts!.keys)]).toEqual([s.table, want.length]);
      const ids = new Set(
        (
          await t.warehouse.query<{ id: string }>(`SELECT CAST(id AS text) AS id FROM staging.${s.table}`)
        ).map((r) => r.id),
      );
      expect([s.table, want.filter((r) => !ids.has(String(r[s.key]))).length]).toEqual([s.table, 0]);
    }
    console.log(`SIGKILL test: 20 kills in ${runs} runs, then a clean finish`);
    // Up to 60 runs of 1.4–4 s plus a full finish: minutes on a loaded 2-core machine, not seconds.
  }, 900_000);
});
