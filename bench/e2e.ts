/**
 * End to end: `trueup run` through the real CLI against the sandbox, three times on one
 * warehouse: the full run, a rerun with nothing changed, and a rerun after 1 % of the customers
 * were edited through the sandbox's admin API (as a user editing them in Salesforce and Stripe).
 * Per stage, each stage's span (first node started to last node finished) and its nodes' summed
 * work and lock waits from the run history.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startSandbox } from "../sandbox/emulators/server.js";

const ROOT = path.resolve(import.meta.dirname, "..");
export const E2E_PHASES = ["full", "unchanged", "one_percent"] as const;
export type E2ePhase = (typeof E2E_PHASES)[number];
export const STAGES = ["extract", "model", "reconcile", "sync"] as const;

export interface StageFigures {
  span: number;
  work: number;
  lockWait: number;
}
export interface PhaseFigures {
  phase: E2ePhase;
  wall: number;
  status: string;
  stages: Record<string, StageFigures>;
  /** Model and rule nodes not rebuilt (up to date: `skipped: inputs unchanged`), of how many. */
  upToDate: { skipped: number; of: number };
}

interface NodeRow {
  kind: string;
  started_at: string | null;
  finished_at: string | null;
  work_seconds: number | null;
  wait_lock_seconds: number | null;
  skipped: string | null;
}

// Asynchronous: the sandbox answers from this process, so a blocking spawn would starve it.
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [path.join(ROOT, "bin", "trueup.js"), "--config", path.join(ROOT, "trueup.config.ts"), ...args],
      { env: { ...env, TRUEUP_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "ignore"] },
    );
    let stdout = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.on("error", reject);
    p.on("close", (status) => resolve({ stdout, status }));
  });
}

function ids(file: string, field: string, share: number): string[] {
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const every = Math.round(1 / share);
  return lines
    .filter((_, i) => i % every === 0)
    .map((l) => String((JSON.parse(l) as Record<string, unknown>)[field]));
}

/** Edits 1 % of Salesforce accounts (Name) and of Stripe customers (name); returns how many. */
async function editOnePercent(worldDir: string, env: Record<string, string>): Promise<number> {
  const edits = [
    ...ids(path.join(worldDir, "salesforce", "Account.jsonl"), "Id", 0.01).map((id) => ({
      url: `${env.SALESFORCE_INSTANCE_URL}/__sandbox/salesforce/Account/${id}`,
      body: { Name: `Edited account ${id}` },
    })),
    ...ids(path.join(worldDir, "stripe", "customers.jsonl"), "id", 0.01).map((id) => ({
      url: `${env.STRIPE_API_BASE}/__sandbox/stripe/customers/${id}`,
      body: { name: `Edited customer ${id}` },
    })),
  ];
  for (const e of edits) {
    const r = await fetch(e.url, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify(e.body),
    });
    if (!r.ok) throw new Error(`sandbox PATCH ${e.url}: ${r.status} ${await r.text()}`);
  }
  return edits.length;
}

export async function benchEndToEnd(worldDir: string, warehouseUrl: string): Promise<PhaseFigures[]> {
  const sb = await startSandbox({ worldDir, port: 0 });
  const env = { ...process.env, ...sb.env, WAREHOUSE_URL: warehouseUrl };
  const out: PhaseFigures[] = [];
  try {
    for (const phase of E2E_PHASES) {
      if (phase === "one_percent") await editOnePercent(worldDir, sb.env);
      const t = performance.now();
      const r = await cli(["--json", "run"], env);
      const wall = (performance.now() - t) / 1000;
      const status = (JSON.parse(r.stdout) as { status: string }).status;
      const [run] = JSON.parse((await cli(["--json", "runs", "--limit", "1"], env)).stdout) as {
        nodes: NodeRow[];
      }[];
      const stages: Record<string, StageFigures> = {};
      for (const stage of STAGES) {
        const nodes = run!.nodes.filter((n) => n.kind === stage && n.started_at && n.finished_at);
        if (!nodes.length) continue;
        const first = Math.min(...nodes.map((n) => Date.parse(n.started_at!)));
        const last = Math.max(...nodes.map((n) => Date.parse(n.finished_at!)));
        stages[stage] = {
          span: (last - first) / 1000,
          work: nodes.reduce((s, n) => s + (n.work_seconds ?? 0), 0),
          lockWait: nodes.reduce((s, n) => s + (n.wait_lock_seconds ?? 0), 0),
        };
      }
      const derived = run!.nodes.filter((n) => n.kind === "model" || n.kind === "reconcile");
      const upToDate = { skipped: derived.filter((n) => n.skipped).length, of: derived.length };
      console.log(
        `e2e ${phase}: ${wall.toFixed(1)} s, ${upToDate.skipped} of ${upToDate.of} models and rule families up to date`,
      );
      out.push({ phase, wall, status, stages, upToDate });
    }
  } finally {
    await sb.close();
  }
  return out;
}
