import { compileCommand } from "./compile.js";
import { demoCommand, type DemoOptions } from "./demo.js";
import { initCommand } from "./init.js";
import { sandboxCommand, type SandboxCommandOptions } from "./sandbox.js";
import { serveCommand, type ServeCommandOptions } from "./serve.js";
import { syncCommand, type SyncCommandOptions } from "./sync.js";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { runCommand, type GlobalOptions } from "./context.js";
import { packageInfo } from "../core/package-info.js";
import { LOG_FORMATS } from "../core/log.js";
import { buildCommand } from "./build.js";
import { extractCommand } from "./extract.js";
import { runPipelineCommand } from "./run.js";
import { reconcileCommand } from "./reconcile.js";
import { addReconCommands } from "./recon.js";
import { printRuns } from "./runs.js";
import { workerCommand } from "./worker.js";
import { worldGenerateCommand } from "./world.js";

function int(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

function isoDate(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError(`not an ISO date-time: "${value}"`);
  return new Date(value).toISOString();
}

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** The trueup command line: it parses, calls the library, prints. Nothing else lives here. */
export function buildProgram(): Command {
  const program = new Command("trueup")
    .description(
      "Batch ELT, reconciliation and reverse ETL for a SaaS company's revenue data:\n" +
        "Salesforce, Stripe, NetSuite, legacy ERP files and Zendesk into one warehouse, reconciled, and synced back.",
    )
    .option(
      "--config <file>",
      "config file (default: trueup.config.ts, .mts, .js or .mjs here, else built-in defaults + environment)",
    )
    .version(packageInfo().version, "-V, --version", "print trueup's version")
    .option("--json", "machine-readable output where the command prints results")
    .addOption(
      new Option(
        "--log-format <format>",
        "log lines on stderr (default: pretty on a terminal, else json)",
      ).choices(LOG_FORMATS),
    )
    .option(
      "--lock-wait <seconds>",
      "when another run is writing to the warehouse, wait at most this long (0: refuse at once; default: wait)",
      int("--lock-wait"),
    )
    .showHelpAfterError("(add --help for usage)")
    // Subcommands created below inherit this: their --help lists --config, --json and the rest too.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (str, write) => write(`trueup: ${str.replace(/^error: /, "")}`) })
    .exitOverride();

  program
    .command("init [dir]")
    .description(
      "write a new trueup project into DIR (default: here): package.json, trueup.config.ts, .env.example, models/, rules/, .gitignore",
    )
    .option("-y, --yes", "do not ask (without a terminal, init never asks)")
    .option("--force", "overwrite files that exist already")
    .action(async function (
      this: Command,
      dir: string | undefined,
      opts: { yes?: boolean; force?: boolean },
    ) {
      await runCommand(globals(this), (ctx) => initCommand(ctx, dir, opts));
    });

  program
    .command("demo")
    .description(
      "start the embedded warehouse and a sandbox world, run the whole DAG once, print a summary and a report",
    )
    .option("--seed <n>", "world seed", int("--seed"), 7)
    .option("--scale <s>", "world scale (1 ≈ 1,000 customers)", positiveNumber("--scale"), 1)
    .addOption(
      new Option(
        "--crm <system>",
        "the world's CRM: salesforce, or hubspot (read by the config's declarative HubSpot source)",
      )
        .choices(["salesforce", "hubspot"])
        .default("salesforce"),
    )
    .option("--serve", "keep the warehouse and sandbox up and print the connection string")
    .action(async function (this: Command) {
      const opts = this.opts<DemoOptions>();
      await runCommand(globals(this), (ctx) => demoCommand(ctx, opts));
    });

  const world = program.command("world").description("sandbox worlds");
  world
    .command("generate")
    .description("write a deterministic world directory (same seed and scale: byte-identical output)")
    .requiredOption("--seed <n>", "world seed", int("--seed"))
    .requiredOption("--scale <s>", "world scale (1 ≈ 1,000 customers)", positiveNumber("--scale"))
    .requiredOption("--out <dir>", "output directory")
    .addOption(
      new Option("--crm <system>", "the world's CRM")
        .choices(["salesforce", "hubspot"])
        .default("salesforce"),
    )
    .action(async function (this: Command) {
      const opts = this.opts<{ seed: number; scale: number; out: string; crm: "salesforce" | "hubspot" }>();
      await runCommand(globals(this), (ctx) => worldGenerateCommand(ctx, opts));
    });

  program
    .command("sandbox")
    .description(
      "serve a world through the Salesforce (P), Stripe (P+1), NetSuite (P+2) and Zendesk (P+3) APIs",
    )
    .option("--world <dir>", "world directory to serve")
    .option("--seed <n>", "generate a world with this seed", int("--seed"))
    .option("--scale <s>", "scale of the generated world", positiveNumber("--scale"))
    .option("--port <p>", "first port", int("--port"), 4010)
    .option("--env-file <file>", "write the environment variables pointing at the sandbox to this file")
    .addOption(
      new Option("--faults <profile>", "fault profile").choices(["none", "flaky", "hostile"]).default("none"),
    )
    .action(async function (this: Command) {
      const opts = this.opts<SandboxCommandOptions>();
      await runCommand(globals(this), (ctx) => sandboxCommand(ctx, opts));
    });

  program
    .command("run")
    .description("run the DAG (extract → load → models → reconcile → reverse) once, in process")
    .option("--select <sel>", "node selection (dbt grammar: name, +name, name+, source:stripe, tag:finance)")
    .option("--as-of <iso>", "reconcile as of this time", isoDate)
    .option("--full-refresh", "rebuild streams and incremental models from scratch")
    .action(async function (this: Command) {
      const opts = this.opts<{ select?: string; asOf?: string; fullRefresh?: boolean }>();
      await runCommand(globals(this), (ctx) => runPipelineCommand(ctx, opts));
    });

  program
    .command("extract")
    .description("extract and load only")
    .argument("[streams...]", "SOURCE or SOURCE.STREAM (default: every enabled source)")
    .option("--full-refresh", "re-read the selected streams from the start")
    .action(async function (this: Command, streams: string[]) {
      const opts = this.opts<{ fullRefresh?: boolean }>();
      await runCommand(globals(this), (ctx) => extractCommand(ctx, streams, opts));
    });

  program
    .command("build")
    .description("build models and run their data tests")
    .option("--select <sel>", "model selection")
    .option("--list", "print the models and their lineage")
    .option("--full-refresh", "rebuild incremental models from scratch")
    .action(async function (this: Command) {
      const opts = this.opts<{ select?: string; list?: boolean; fullRefresh?: boolean }>();
      await runCommand(globals(this), (ctx) => buildCommand(ctx, opts));
    });

  program
    .command("reconcile")
    .description("run reconciliation rules")
    .option("--as-of <iso>", "reconcile as of this time", isoDate)
    .option("--full-refresh", "evaluate every rule family, also those whose inputs did not change")
    .action(async function (this: Command) {
      const opts = this.opts<{ asOf?: string; fullRefresh?: boolean }>();
      await runCommand(globals(this), (ctx) => reconcileCommand(ctx, opts));
    });

  addReconCommands(program, (cmd, fn) => runCommand(globals(cmd), fn));

  program
    .command("sync")
    .description("reverse-ETL syncs into Salesforce and Zendesk")
    .argument("[names...]", "syncs to run (default: all)")
    .option("--dry-run", "print the plan field by field and write nothing")
    .option("--approve <ids...>", "run pending correction plans exactly as planned")
    .option("--by <name>", "who approves (default: TRUEUP_USER, else the OS user)")
    .option("--replay", "retry the dead letters")
    .action(async function (this: Command, names: string[]) {
      const opts = this.opts<SyncCommandOptions>();
      await runCommand(globals(this), (ctx) => syncCommand(ctx, names, opts));
    });

  program
    .command("serve")
    .description(
      "the finance page: exception queue, discrepancies, correction plans to approve, close sign-off (users in config serve.users)",
    )
    .option("--port <p>", "port (default: config serve.port, 4080; 0 picks a free one)", int("--port"))
    .option("--host <h>", "address to listen on (default: config serve.host, 127.0.0.1)")
    .option(
      "--as-of <iso>",
      "count ages from this instant (default: the last reconciliation's as-of)",
      isoDate,
    )
    .option(
      "--hash-password",
      "print the scrypt hash of the password on stdin, for serve.users.NAME.passwordHash",
    )
    .action(async function (this: Command) {
      const opts = this.opts<ServeCommandOptions>();
      await runCommand(globals(this), (ctx) => serveCommand(ctx, opts));
    });

  program
    .command("worker")
    .description(
      "start a graphile-worker process that runs DAG nodes as jobs and fires the configured schedules",
    )
    .option("--concurrency <n>", "jobs at once", int("--concurrency"))
    .action(async function (this: Command) {
      const opts = this.opts<{ concurrency?: number }>();
      await runCommand(globals(this), (ctx) => workerCommand(ctx, opts));
    });

  program
    .command("runs")
    .description("recent runs with per-node status, duration, rows and errors")
    .option("--limit <n>", "how many runs", int("--limit"), 10)
    .action(async function (this: Command) {
      const opts = this.opts<{ limit: number }>();
      await runCommand(globals(this), async (ctx) => printRuns(ctx, opts.limit));
    });

  program
    .command("compile")
    .description("write the SQL of every node for a dialect, without running it")
    .addOption(
      new Option("--dialect <d>", "SQL dialect").choices(["postgres", "snowflake"]).makeOptionMandatory(),
    )
    .option("--out <dir>", "write one <node>.sql file per node into this directory (emptied first)")
    .option("--as-of <iso>", "the as-of instant compiled into models and rules (default: now)")
    .addHelpText(
      "after",
      "\nNodes: load.<source>.<stream>, model.<schema>.<name>, recon.<family>, sync.<name>.\n" +
        "Exit 1 when Snowflake output holds a Postgres-only construct (ON CONFLICT, DISTINCT ON, ::casts, ->>, …).",
    )
    .action(async function (this: Command) {
      const opts = this.opts<{ dialect: "postgres" | "snowflake"; out?: string; asOf?: string }>();
      await runCommand(globals(this), (ctx) => compileCommand(ctx, opts));
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse problem is a usage error.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    throw err;
  }
}
