import type { Command } from "commander";
import {
  assign,
  explain,
  listQueue,
  reopen,
  resolveActor,
  showDiscrepancy,
  signoff,
  type ActionResult,
  type LedgerContext,
  type QueueItem,
  type ReviewState,
} from "../reconcile/ledger.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

/*
 * `trueup recon …`: the exceptions ledger from a terminal, a thin shell over reconcile/ledger.ts.
 * Exit codes: 0 done, 1 a refused sign-off, 2 a usage error (an unknown key, state or reason
 * code is named in the message).
 */

async function ledger(ctx: CommandContext): Promise<LedgerContext> {
  const { warehouse } = await ctx.warehouse();
  return { warehouse, config: ctx.loaded.config, runId: "manual" };
}

function money(n: number | null): string {
  return n === null ? "" : n.toFixed(2);
}

function queueTable(items: readonly QueueItem[], currency: string): string {
  return formatTable(
    [
      "key",
      "category",
      "entity",
      "customer",
      `at stake (${currency})`,
      "means",
      "state",
      "assignee",
      "age",
      "due",
    ],
    items.map((i) => [
      i.key,
      i.category,
      i.entity,
      i.customerName ?? i.customerId,
      money(i.amountReporting),
      i.amountMeaning,
      i.reviewState,
      i.assignee,
      i.ageDays,
      i.dueAt ? `${i.dueAt.slice(0, 10)}${i.overdue ? " overdue" : ""}` : "",
    ]),
  );
}

export async function reconListCommand(
  ctx: CommandContext,
  opts: {
    category?: string;
    state?: ReviewState;
    assignee?: string;
    entity?: string;
    team?: string;
    minAge?: string;
    minAmount?: string;
    all?: boolean;
  },
): Promise<number> {
  const { team, minAge, minAmount, all, ...filters } = opts;
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await listQueue(await ledger(ctx), {
    ...filters,
    ownerTeam: team,
    minAgeDays: number(minAge),
    minAmount: number(minAmount),
    status: all ? "all" : "open",
  });
  if (ctx.json) {
    ctx.printJson(result);
    return 0;
  }
  ctx.print(queueTable(result.items, ctx.loaded.config.fx.reportingCurrency));
  ctx.print(
    `${result.total} item${result.total === 1 ? "" : "s"}${result.total > result.items.length ? ` (${result.items.length} shown)` : ""}, ages as of ${result.asOf}. ` +
      `"whole document": a record missing on one side (or a status/currency disagreement), its whole amount; "difference": the amounts differ by this much.`,
  );
  return 0;
}

export async function reconShowCommand(
  ctx: CommandContext,
  key: string,
  opts: { category?: string },
): Promise<number> {
  const views = await showDiscrepancy(await ledger(ctx), key, opts.category);
  if (ctx.json) {
    ctx.printJson(views);
    return 0;
  }
  for (const v of views) {
    const i = v.item;
    ctx.print(`${i.category} ${i.key}  ${i.status}, ${i.reviewState}${i.assignee ? ` (${i.assignee})` : ""}`);
    ctx.print(
      `customer ${i.customerName ?? ""} ${i.customerId ?? ""}  entity ${i.entity ?? ""}  period ${i.period}  due ${i.dueAt ?? ""}`,
    );
    ctx.print(
      `at stake ${money(i.amountReporting)} ${i.reportingCurrency ?? ""} (${i.amountMeaning})  delta ${i.delta ?? ""} ${i.currency ?? ""}`,
    );
    if (i.reasonCode)
      ctx.print(`explained: ${i.reasonCode}: ${i.note ?? ""} (${i.reviewedBy}, ${i.reviewedAt})`);
    // Both records side by side, one field a line.
    const left = v.left?.record ?? {};
    const right = v.right?.record ?? {};
    const fields = [...new Set([...Object.keys(left), ...Object.keys(right)])].filter(
      (f) => f !== "_trueup_payload",
    );
    const cell = (x: unknown) =>
      x === null || x === undefined
        ? ""
        : x instanceof Date
          ? x.toISOString()
          : typeof x === "object"
            ? JSON.stringify(x)
            : String(x);
    ctx.print(
      formatTable(
        [
          "field",
          `${i.leftSystem ?? "left"} ${v.left ? v.left.table : "(not in staging)"}`,
          `${i.rightSystem ?? "right"} ${v.right ? v.right.table : "(none)"}`,
        ],
        fields.map((f) => [f, cell(left[f]), cell(right[f])]),
      ),
    );
    ctx.print(
      formatTable(
        ["at", "event", "actor", "run", "detail"],
        v.events.map((e) => [e.at, e.event, e.actor, e.runId, e.detail ? JSON.stringify(e.detail) : ""]),
      ),
    );
    ctx.print("");
  }
  return 0;
}

function printAction(ctx: CommandContext, verb: string, result: ActionResult): number {
  if (ctx.json) {
    ctx.printJson(result);
    return 0;
  }
  for (const c of result.changed) ctx.print(`${verb}: ${c.category} ${c.key}`);
  for (const c of result.unchanged) ctx.print(`unchanged (already so): ${c.category} ${c.key}`);
  return 0;
}

export async function reconAssignCommand(
  ctx: CommandContext,
  keys: string[],
  opts: { to: string; by?: string; category?: string },
): Promise<number> {
  const actor = resolveActor(opts.by);
  return printAction(ctx, "assigned", await assign(await ledger(ctx), keys, opts.to, actor, opts));
}

export async function reconExplainCommand(
  ctx: CommandContext,
  keys: string[],
  opts: { reason: string; note: string; by?: string; category?: string },
): Promise<number> {
  const actor = resolveActor(opts.by);
  return printAction(
    ctx,
    "explained",
    await explain(await ledger(ctx), keys, opts.reason, opts.note, actor, opts),
  );
}

export async function reconReopenCommand(
  ctx: CommandContext,
  keys: string[],
  opts: { by?: string; category?: string },
): Promise<number> {
  const actor = resolveActor(opts.by);
  return printAction(ctx, "reopened", await reopen(await ledger(ctx), keys, actor, opts));
}

export async function reconSignoffCommand(
  ctx: CommandContext,
  opts: { period: string; entity?: string; by?: string },
): Promise<number> {
  const actor = resolveActor(opts.by);
  const result = await signoff(await ledger(ctx), opts.period, opts.entity, actor);
  if (ctx.json) {
    ctx.printJson(result);
    return result.ok ? 0 : 1;
  }
  if (result.ok) {
    const s = result.signoff;
    ctx.print(`signed ${s.period} (${s.entity}) by ${s.signedBy} at ${s.signedAt}`);
    ctx.print(
      formatTable(
        ["review state", "open", `amount (${ctx.loaded.config.fx.reportingCurrency})`],
        s.snapshot.map((r) => [r.reviewState, r.count, money(r.amountReporting)]),
      ),
    );
    return 0;
  }
  ctx.print(
    `sign-off of ${result.period} (${result.entity}) refused: ${result.blocking.length} open item${result.blocking.length === 1 ? "" : "s"} not explained above the materiality of ${result.materiality} ${ctx.loaded.config.fx.reportingCurrency}. Explain or fix them (trueup recon explain KEY --reason CODE --note TEXT), then sign again.`,
  );
  ctx.print(queueTable(result.blocking, ctx.loaded.config.fx.reportingCurrency));
  return 1;
}

/** Adds `trueup recon` and its subcommands to the program. */
export function addReconCommands(
  program: Command,
  run: (cmd: Command, fn: (ctx: CommandContext) => Promise<number>) => Promise<void>,
): void {
  const recon = program
    .command("recon")
    .description("work the exceptions: list, show, assign, explain, reopen, sign off a month");
  const by = ["--by <name>", "who acts (default: TRUEUP_USER, else the OS user)"] as const;
  const category = [
    "--category <c>",
    "only discrepancies of this category (a key may have several)",
  ] as const;
  recon
    .command("list")
    .description("open discrepancies, largest amount at stake first")
    .option("--category <c>", "only this category")
    .option("--state <s>", "only this review state: unreviewed, assigned or explained")
    .option("--assignee <name>", "only items assigned to NAME")
    .option("--entity <e>", "only this entity")
    .option("--team <t>", "only categories this owner team works (reconciliation.ownerTeams)")
    .option("--min-age <days>", "only items at least this many days old")
    .option("--min-amount <n>", "only items with at least this amount at stake (reporting currency)")
    .option("--all", "resolved ones too")
    .action(async function (this: Command) {
      const opts = this.opts<Parameters<typeof reconListCommand>[1]>();
      await run(this, (ctx) => reconListCommand(ctx, opts));
    });
  recon
    .command("show <key>")
    .description("one discrepancy: both systems' records from staging side by side, and its history")
    .option(...category)
    .action(async function (this: Command, key: string) {
      const opts = this.opts<{ category?: string }>();
      await run(this, (ctx) => reconShowCommand(ctx, key, opts));
    });
  recon
    .command("assign <keys...>")
    .description("assign open discrepancies to someone")
    .requiredOption("--to <name>", "the assignee")
    .option(...by)
    .option(...category)
    .action(async function (this: Command, keys: string[]) {
      const opts = this.opts<{ to: string; by?: string; category?: string }>();
      await run(this, (ctx) => reconAssignCommand(ctx, keys, opts));
    });
  recon
    .command("explain <keys...>")
    .description("explain open discrepancies; the explanation holds while their values stay the same")
    .requiredOption("--reason <code>", "a reason code (config reconciliation.reasonCodes)")
    .requiredOption("--note <text>", "the explanation")
    .option(...by)
    .option(...category)
    .action(async function (this: Command, keys: string[]) {
      const opts = this.opts<{ reason: string; note: string; by?: string; category?: string }>();
      await run(this, (ctx) => reconExplainCommand(ctx, keys, opts));
    });
  recon
    .command("reopen <keys...>")
    .description("take back an explanation or assignment: the items are unreviewed again")
    .option(...by)
    .option(...category)
    .action(async function (this: Command, keys: string[]) {
      const opts = this.opts<{ by?: string; category?: string }>();
      await run(this, (ctx) => reconReopenCommand(ctx, keys, opts));
    });
  recon
    .command("signoff")
    .description(
      "sign off a month's close; refused (exit 1) while an unexplained open item above reconciliation.materiality is dated in it",
    )
    .requiredOption("--period <yyyy-mm>", "the month")
    .option("--entity <e>", "one entity (default: all entities)")
    .option(...by)
    .action(async function (this: Command) {
      const opts = this.opts<{ period: string; entity?: string; by?: string }>();
      await run(this, (ctx) => reconSignoffCommand(ctx, opts));
    });
}
