import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCredentials } from "../../config/credentials.js";
import { loadConfig, parseConfig } from "../../config/load.js";
import { loadModelDefinitions } from "../../models/project.js";
import { writeReport } from "../../orchestration/report.js";
import { queueRun } from "../../orchestration/worker.js";
import { runSyncs } from "../../reverse/run.js";
import { silentLog } from "../helpers/sandbox-world.js";
import { REPO_ROOT, runCli, type CliResult } from "../helpers/cli.js";
import { createTestDatabase, testTarget, type TestDatabase } from "../helpers/warehouse.js";

/**
 * A vendor that echoes whatever credential it was sent in its error bodies (as Stripe does with
 * "Invalid API Key provided: sk_…"), plus credentials that are not ours. Every command's output,
 * the HTML report and a pg_dump of the warehouse must hold none of them, in any encoding.
 */

const hex = (n: number) => randomBytes(n).toString("hex");
// Characters that change under URL- and JSON-encoding, so each encoded form is a distinct string.
const secrets = {
  STRIPE_API_KEY: `sk_test_${hex(12)}`,
  SALESFORCE_ACCESS_TOKEN: `00D${hex(6)}!AQ${hex(12)}+/=`,
  NETSUITE_CONSUMER_KEY: `ck${hex(16)}`,
  NETSUITE_CONSUMER_SECRET: `cs${hex(16)}`,
  NETSUITE_TOKEN_ID: `ti${hex(16)}`,
  NETSUITE_TOKEN_SECRET: `ts${hex(16)}`,
  ZENDESK_API_TOKEN: `zd${hex(10)}"&<x>`,
};
const warehousePassword = `pw:${hex(8)}@/?#`;
const zendeskEmail = "ops@example.com";
/** Keys a vendor echoes that trueup was never given. */
const foreign = [`sk_live_${hex(12)}`, `rk_test_${hex(12)}`];

/** Every form a secret may travel in: as is, URL-encoded (both ways), JSON-escaped, base64. */
function formsOf(s: string): string[] {
  const forms = [
    s,
    encodeURIComponent(s),
    encodeURIComponent(s).replace(/%20/g, "+"),
    JSON.stringify(s).slice(1, -1),
    Buffer.from(s).toString("base64"),
    Buffer.from(s).toString("base64url"),
  ];
  return [...new Set(forms)];
}
const basic = `${zendeskEmail}/token:${secrets.ZENDESK_API_TOKEN}`;
const needles = [
  ...Object.values(secrets).flatMap(formsOf),
  ...formsOf(warehousePassword),
  ...formsOf(basic),
  ...foreign,
];

/**
 * Every row of the test database as text: `pg_dump --data-only` where the client matches the
 * server (the system Postgres, 15); the embedded server is 17, which Debian's pg_dump 15 refuses,
 * so there every row of every table is read as JSON (secrets' JSON-escaped forms are needles too).
 */
async function dumpData(db: TestDatabase): Promise<string> {
  if (testTarget() !== "embedded") {
    const { stdout } = await promisify(execFile)("/usr/bin/pg_dump", ["--data-only", db.url], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  }
  const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const tables = await db.warehouse.query<{ s: string; n: string }>(
    `SELECT table_schema AS s, table_name AS n FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const parts: string[] = [];
  for (const { s, n } of tables) {
    const rows = await db.warehouse.query<{ r: string }>(
      `SELECT row_to_json(t)::text AS r FROM ${q(s)}.${q(n)} t`,
    );
    parts.push(...rows.map((row) => row.r));
  }
  return parts.join("\n");
}

function findLeaks(where: string, text: string): string[] {
  return needles.filter((n) => text.includes(n)).map((n) => `${where} holds ${JSON.stringify(n)}`);
}

/** The answer each vendor gives a request: 401, echoing the Authorization header it got. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const auth = req.headers.authorization ?? "";
  const url = req.url ?? "";
  const send = (body: unknown) => {
    res.writeHead(401, { "content-type": "application/json", "www-authenticate": auth });
    res.end(JSON.stringify(body));
  };
  if (url.startsWith("/v1/"))
    return send({
      error: {
        type: "invalid_request_error",
        message: `Invalid API Key provided: ${auth.replace(/^Bearer /, "")} (also seen: ${foreign.join(", ")})`,
      },
    });
  if (url.startsWith("/services/data"))
    return send([
      { errorCode: "INVALID_SESSION_ID", message: `Session expired or invalid. Authorization: ${auth}` },
    ]);
  if (url.startsWith("/services/rest"))
    return send({
      title: "Unauthorized",
      "o:errorDetails": [{ "o:errorCode": "INVALID_LOGIN", detail: `Invalid login attempt: ${auth}` }],
    });
  if (url.startsWith("/api/v2/") && reverseMode) {
    const json = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.startsWith("/api/v2/organization_fields.json"))
      return json({ organization_fields: [{ key: "billing_status", type: "text", active: true }] });
    if (url.startsWith("/api/v2/organizations/show_many.json"))
      return json({ organizations: [{ id: 101, organization_fields: { billing_status: "current" } }] });
    if (url.startsWith("/api/v2/organizations/count.json")) return json({ count: { value: 100 } });
    if (url.startsWith("/api/v2/organizations/update_many.json")) {
      // A 200 whose job result echoes the credential: nothing on the HTTP path masks this one.
      const decoded = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString();
      const details = `${decoded} may not write (sent ${auth})`;
      return json({
        job_status: {
          id: "job1",
          status: "completed",
          results: [{ id: 101, error: "PermissionDenied", details }],
        },
      });
    }
  }
  if (url.startsWith("/api/v2")) {
    const decoded = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString();
    return send({ error: "Couldn't authenticate you", description: `${auth} (${decoded})` });
  }
  res.writeHead(404).end();
}

/** The Zendesk stub answers reverse ETL's calls (reads succeed, the write's job result echoes). */
let reverseMode = false;
let t: TestDatabase;
let server: Server;
let base: string;
let env: NodeJS.ProcessEnv;
const outputs: { name: string; result: CliResult }[] = [];
const reportDir = mkdtempSync(path.join(tmpdir(), "trueup-secrets-"));

async function cli(name: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await runCli(args, { cwd: REPO_ROOT, env: { ...env, ...extra } });
  outputs.push({ name, result });
  return result;
}

beforeAll(async () => {
  t = await createTestDatabase();
  server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const warehouseUrl = new URL(t.url);
  if (warehouseUrl.password) {
    // The embedded server checks its own password: keep it, and look for it as for every secret.
    needles.push(...formsOf(decodeURIComponent(warehouseUrl.password)));
  } else {
    // The system server trusts local connections, so the password is never checked, only carried.
    warehouseUrl.password = encodeURIComponent(warehousePassword);
  }
  env = {
    ...secrets,
    TRUEUP_LOG_LEVEL: "trace",
    WAREHOUSE_URL: warehouseUrl.toString(),
    SALESFORCE_INSTANCE_URL: base,
    STRIPE_API_BASE: base,
    NETSUITE_ACCOUNT_ID: "123456_SB1",
    NETSUITE_BASE_URL: base,
    ZENDESK_BASE_URL: base,
    ZENDESK_EMAIL: zendeskEmail,
  };
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.drop();
  rmSync(reportDir, { recursive: true, force: true });
});

describe("credentials echoed by a vendor never leave trueup", () => {
  it("trueup extract: every API source fails with the vendor's words, the credential masked", async () => {
    const r = await cli("extract --json", [
      "--json",
      "extract",
      "salesforce",
      "stripe",
      "netsuite",
      "zendesk",
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { streams: { source: string; status: string; error?: string }[] };
    const errors = new Map(out.streams.map((s) => [s.source, s.error ?? ""]));
    expect([...errors.keys()].sort()).toEqual(["netsuite", "salesforce", "stripe", "zendesk"]);
    expect(errors.get("stripe")).toMatch(/401: .*Invalid API Key provided: \[redacted\]/);
    expect(errors.get("salesforce")).toMatch(
      /401: INVALID_SESSION_ID: Session expired or invalid\. Authorization: Bearer \[redacted\]/,
    );
    expect(errors.get("netsuite")).toMatch(
      /401: INVALID_LOGIN: Invalid login attempt: OAuth realm="123456_SB1"/,
    );
    expect(errors.get("netsuite")).toContain('oauth_signature="[redacted]"');
    expect(errors.get("zendesk")).toMatch(/401: Couldn't authenticate you: Basic \[redacted\]/);
    // trace level: the HTTP exchange is logged, with the headers masked.
    expect(r.stderr).toContain('"msg":"http request"');
    expect(r.stderr).toContain('"msg":"http response"');
    expect(r.stderr).toMatch(/"authorization":"\[redacted\]"/);
  });

  it("trueup run and trueup runs (table and --json) say what failed without the credential", async () => {
    const run = await cli("run", ["run", "--select", "source:stripe+"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^stripe\.\S+\s+extract\s+failed\s.*401: Invalid API Key provided: \[redacted\]/m,
    );
    const runs = await cli("runs", ["runs", "--limit", "5"]);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toContain("Invalid API Key provided: [redacted]");
    const json = await cli("runs --json", ["--json", "runs", "--limit", "5"]);
    const parsed = JSON.parse(json.stdout) as { nodes: { error: string | null }[] }[];
    expect(parsed.flatMap((r) => r.nodes.map((n) => n.error ?? "")).join("\n")).toContain(
      "Invalid API Key provided: [redacted]",
    );
  });

  it("a password in an API base URL is refused, naming the variable, and not echoed", async () => {
    const withUser = new URL(base);
    withUser.username = "proxyuser";
    withUser.password = encodeURIComponent(warehousePassword);
    const r = await cli("extract with userinfo", ["extract", "zendesk"], {
      ZENDESK_BASE_URL: withUser.toString(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ZENDESK_BASE_URL has a user name or password in it");
    expect(r.stderr).toContain("proxyuser:[redacted]@127.0.0.1");
  });

  it("reverse ETL: a destination's error echoing the credential is stored masked (failures, dead letters, audit)", async () => {
    reverseMode = true;
    try {
      await t.warehouse.query(`CREATE SCHEMA IF NOT EXISTS canonical`);
      await t.warehouse.query(`CREATE TABLE canonical.h5_orgs (org_id text, billing_status text)`);
      await t.warehouse.query(`INSERT INTO canonical.h5_orgs VALUES ('101', 'overdue')`);
      const config = parseConfig({
        models: { builtin: false },
        writable: { zendesk: { organizations: ["organization_fields.billing_status"] } },
        syncs: [
          {
            name: "h5_status",
            model: "canonical.h5_orgs",
            destination: { system: "zendesk", object: "organizations" },
            matchKey: { column: "org_id", field: "id" },
            mapping: { "organization_fields.billing_status": "billing_status" },
            maxAttempts: 1,
          },
        ],
      });
      const credentials = readCredentials({
        ZENDESK_BASE_URL: base,
        ZENDESK_EMAIL: zendeskEmail,
        ZENDESK_API_TOKEN: secrets.ZENDESK_API_TOKEN,
      });
      const [r] = await runSyncs({
        warehouse: t.warehouse,
        config,
        credentials,
        runId: "h5-reverse",
        log: silentLog,
      });
      expect(r).toMatchObject({ status: "failed", deadLettered: 1 });
      const [dead] = await t.warehouse.query<{ error: string }>(
        `SELECT error FROM reverse.dead_letters WHERE sync = 'h5_status'`,
      );
      expect(dead!.error).toMatch(/PermissionDenied: \[redacted\] may not write \(sent Basic \[redacted\]\)/);
      const audits = await t.warehouse.query<{ status: string; error: string }>(
        `SELECT status, error FROM reverse.audit WHERE sync = 'h5_status'`,
      );
      expect(audits).toEqual([{ status: "dead_letter", error: dead!.error }]);
    } finally {
      reverseMode = false;
    }
  });

  it("trueup worker: a failed job's error is stored masked, in node_runs and in graphile-worker's queue", async () => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, "bin/trueup.js"), "worker", "--concurrency", "1"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const { config } = await loadConfig({ configPath: path.join(REPO_ROOT, "trueup.config.ts"), env: {} });
      const models = await loadModelDefinitions(config, REPO_ROOT);
      const runId = await queueRun(
        { orchestrator: t.warehouse, config, models },
        { select: "stripe.customers", command: "h5-worker" },
      );
      // The node's row is written before the job fails; graphile-worker stores its error after.
      let error: string | undefined;
      let lastError: string | undefined;
      const deadline = Date.now() + 60_000;
      while (!(error && lastError) && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        const [row] = await t.warehouse.query<{ error: string | null }>(
          `SELECT error FROM trueup.node_runs WHERE run_id = $1 AND node = 'stripe.customers'`,
          [runId],
        );
        error = row?.error ?? undefined;
        const [job] = await t.warehouse.query<{ last_error: string }>(
          `SELECT last_error FROM graphile_worker._private_jobs WHERE last_error IS NOT NULL LIMIT 1`,
        );
        lastError = job?.last_error;
      }
      expect(error, stderr).toMatch(/^attempt 1: .*401: Invalid API Key provided: \[redacted\]/);
      expect(lastError).toContain("Invalid API Key provided: [redacted]");
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const closed = new Promise((r) => child.once("close", r));
        child.kill("SIGTERM");
        await closed;
      }
      outputs.push({ name: "worker", result: { code: child.exitCode, stdout, stderr } });
    }
  });

  it("nothing holds a secret: stdout, stderr, the HTML report, the whole warehouse", async () => {
    const leaks: string[] = [];
    for (const { name, result } of outputs) {
      leaks.push(
        ...findLeaks(`${name} stdout`, result.stdout),
        ...findLeaks(`${name} stderr`, result.stderr),
      );
    }
    const [{ run_id }] = await t.warehouse.query<{ run_id: string }>(
      `SELECT run_id FROM trueup.runs WHERE command = 'run' ORDER BY started_at DESC LIMIT 1`,
    );
    const loaded = await loadConfig({ configPath: path.join(REPO_ROOT, "trueup.config.ts"), env: {} });
    const report = readFileSync(await writeReport(t.warehouse, loaded.config, run_id!, reportDir), "utf8");
    expect(report).toContain("Invalid API Key provided: [redacted]");
    leaks.push(...findLeaks("the report", report));
    const dump = await dumpData(t);
    // The dump did dump the run history the errors are in.
    expect(dump).toContain("Invalid API Key provided: [redacted]");
    leaks.push(...findLeaks("pg_dump", dump));
    expect(leaks).toEqual([]);
  });
});
