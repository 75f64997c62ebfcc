import { runSync } from "../api/sync.js";
import { resolveActor } from "../reconcile/ledger.js";
import type { SyncRunResult } from "../reverse/sync.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

export interface SyncCommandOptions {
  dryRun?: boolean;
  approve?: string[];
  /** Who approves (--by); else TRUEUP_USER, else the OS user. */
  by?: string;
  replay?: boolean;
}

function planLines(r: SyncRunResult): string[] {
  const lines = [
    `${r.sync} → ${r.plan.destination.system} ${r.plan.destination.object}: ${r.plan.changes.length} to ${(r.plan.mode ?? "update") === "update" ? "update" : "create or update"}, ` +
      `${r.plan.unchanged} unchanged, ${r.plan.withheld} withheld (null overwrites), ${r.plan.total} in the model`,
  ];
  for (const c of r.plan.changes.slice(0, 50)) {
    for (const [field, value] of Object.entries(c.fields))
      lines.push(
        `  ${c.recordId}  ${field}: ${JSON.stringify(c.previous[field] ?? null)} → ${JSON.stringify(value)}${c.retry ? "  (retry)" : ""}`,
      );
  }
  if (r.plan.changes.length > 50) lines.push(`  … and ${r.plan.changes.length - 50} more records`);
  const deletions = r.plan.deletions ?? [];
  if (deletions.length)
    lines.push(
      `  mirror: ${deletions.length} record(s) this sync created left the model and will be deleted`,
    );
  for (const d of deletions.slice(0, 50)) lines.push(`  ${d.recordId}  (${d.destinationId})  delete`);
  return lines;
}

/** `trueup sync [NAME…] [--dry-run] [--approve ID…] [--replay]`. Exit 1 when a sync failed or was blocked. */
export async function syncCommand(
  ctx: CommandContext,
  names: string[],
  opts: SyncCommandOptions,
): Promise<number> {
  const { syncs: results } = await runSync(ctx, { names, ...opts, approvedBy: opts.by });
  const bad = results.some((r) => r.status === "failed" || r.status === "blocked");
  if (ctx.json) {
    ctx.printJson({ run_id: ctx.runId, syncs: results });
    return bad ? 1 : 0;
  }
  if (results.length === 0) {
    ctx.print("no syncs are configured (syncs: [] in the config)");
    return 0;
  }
  if (opts.dryRun) {
    for (const r of results) ctx.print(planLines(r).join("\n"));
    ctx.print("dry run: nothing was written");
    return 0;
  }
  ctx.print(
    formatTable(
      [
        "sync",
        "status",
        "planned",
        "written",
        "verified",
        "already there",
        "created",
        "deleted",
        "failed",
        "dead letters",
        "write calls",
      ],
      results.map((r) => [
        r.sync,
        r.status,
        r.plan.changes.length,
        r.written,
        r.verified,
        r.skippedAlreadyThere,
        r.created,
        r.deleted,
        r.failed,
        r.deadLettered,
        r.writeCalls,
      ]),
    ),
  );
  for (const r of results) if (r.message) ctx.print(`${r.sync}: ${r.message}`);
  // reverse.plans.approved_by and reverse.plan_events hold the same.
  for (const id of opts.approve ?? []) ctx.print(`plan ${id} approved by ${resolveActor(opts.by)}`);
  return bad ? 1 : 0;
}
