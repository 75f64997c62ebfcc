import { defaultAsOf } from "../core/as-of.js";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { compileNodes } from "../orchestration/compile-nodes.js";
import type { Dialect } from "../warehouse/interfaces.js";
import { orchestrationStatements } from "../warehouse/statements/orchestration.js";
import type { CommandContext } from "./context.js";

/**
 * `trueup compile --dialect postgres|snowflake [--out DIR]`: the SQL of every node, without a
 * warehouse. With --out, one file per node (DIR is emptied first); without, printed. Exit 1 when
 * the output contains a construct the dialect would refuse (Postgres-only SQL in Snowflake's).
 */
export async function compileCommand(
  ctx: CommandContext,
  opts: { dialect: Dialect; out?: string; asOf?: string },
): Promise<number> {
  const config = ctx.loaded.config;
  const cwd = process.cwd();
  const { models } = await loadProject(config, projectRoot(ctx.loaded, cwd));
  const asOf = opts.asOf ?? defaultAsOf();
  const nodes = compileNodes(config, opts.dialect, asOf, models);
  const { foreignConstructs } = orchestrationStatements(opts.dialect);
  const problems = nodes.flatMap((n) => foreignConstructs(n.sql).map((p) => `${n.node}: ${p}`));
  if (opts.out) {
    const dir = path.resolve(cwd, opts.out);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const n of nodes) writeFileSync(path.join(dir, `${n.node}.sql`), `${n.sql}\n`);
    if (ctx.json)
      ctx.printJson({ dialect: opts.dialect, out: dir, nodes: nodes.map((n) => n.node), problems });
    else
      ctx.print(`${nodes.length} nodes compiled for ${opts.dialect} into ${path.relative(cwd, dir) || "."}`);
  } else if (ctx.json) {
    ctx.printJson({ dialect: opts.dialect, nodes, problems });
  } else {
    for (const n of nodes) ctx.print(`-- ===== ${n.node}\n${n.sql}\n`);
  }
  for (const p of problems) ctx.log.error(`construct ${opts.dialect} would refuse in its output: ${p}`);
  return problems.length ? 1 : 0;
}
