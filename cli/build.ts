import { buildModels } from "../models/build.js";
import { modelDag } from "../models/project.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { select } from "../orchestration/select.js";
import { familyNodes } from "../reconcile/stage.js";
import { ruleFamilies } from "../reconcile/user-rules.js";
import type { CommandContext } from "./context.js";
import { lockRun } from "./run-lock.js";
import { formatTable } from "./table.js";

export async function buildCommand(
  ctx: CommandContext,
  opts: { select?: string; list?: boolean; fullRefresh?: boolean },
) {
  const config = ctx.loaded.config;
  const { models } = await loadProject(config, projectRoot(ctx.loaded));
  if (opts.list) {
    const dag = modelDag(models, { dialect: "postgres", config, asOf: new Date().toISOString() });
    const chosen = dag.order(select(dag, opts.select));
    // The reconciliation rules reading the models, built-in and the project's own, as lineage.
    const rules = familyNodes(config, new Set(dag.nodes.keys()));
    const readers = (id: string) => rules.filter((r) => r.upstream.includes(id)).map((r) => r.id);
    const rows = chosen.map(
      (id): Record<"model" | "materialized" | "tags" | "upstream" | "downstream", string> => {
        const n = dag.get(id);
        return {
          model: id,
          materialized: n.model.definition.materialized,
          tags: (n.model.definition.tags ?? []).join(","),
          upstream: [...n.model.refs, ...n.model.sources.map((s) => `source:${s.source}.${s.stream}`)].join(
            " ",
          ),
          downstream: [...dag.children(id), ...readers(id)].join(" "),
        };
      },
    );
    // Rules are listed after the models when no --select narrows the list to models.
    if (!opts.select) {
      for (const r of rules) {
        const family = ruleFamilies().find((f) => f.name === r.name);
        rows.push({
          model: r.id,
          materialized: family?.file ? `rule (${family.file})` : "rule",
          tags: (r.tags ?? []).join(","),
          upstream: r.upstream.join(" "),
          downstream: "",
        });
      }
    }
    if (ctx.json) ctx.printJson(rows);
    else if (rows.length === 0) ctx.print("no models");
    else
      ctx.print(
        formatTable(
          ["model", "materialized", "tags", "upstream", "downstream"],
          rows.map((r) => Object.values(r)),
        ),
      );
    return 0;
  }
  const { warehouse } = await ctx.warehouse();
  await lockRun(ctx, "build");
  const outcomes = await buildModels({
    warehouse,
    config,
    log: ctx.log,
    models,
    select: opts.select,
    fullRefresh: opts.fullRefresh,
  });
  if (ctx.json) ctx.printJson({ run_id: ctx.runId, models: outcomes });
  else {
    ctx.print(
      formatTable(
        ["model", "status", "rows", "touched", "tests", "seconds", "error"],
        outcomes.map((o) => [
          o.model,
          o.status,
          o.result?.rows ?? null,
          o.result?.touched ?? null,
          `${o.tests.filter((t) => t.failures === 0).length}/${o.tests.length}`,
          Number(o.seconds.toFixed(2)),
          o.error ?? "",
        ]),
      ),
    );
  }
  return outcomes.some((o) => o.status !== "succeeded") ? 1 : 0;
}
