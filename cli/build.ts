import { buildModels } from "../models/build.js";
import { loadModelDefinitions, modelDag } from "../models/project.js";
import { select } from "../orchestration/select.js";
import type { CommandContext } from "./context.js";
import { lockRun } from "./run-lock.js";
import { formatTable } from "./table.js";

export async function buildCommand(
  ctx: CommandContext,
  opts: { select?: string; list?: boolean; fullRefresh?: boolean },
) {
  const config = ctx.loaded.config;
  const models = await loadModelDefinitions(config);
  if (opts.list) {
    const dag = modelDag(models, { dialect: "postgres", config, asOf: new Date().toISOString() });
    const chosen = dag.order(select(dag, opts.select));
    const rows = chosen.map((id) => {
      const n = dag.get(id);
      return {
        model: id,
        materialized: n.model.definition.materialized,
        tags: (n.model.definition.tags ?? []).join(","),
        upstream: [...n.model.refs, ...n.model.sources.map((s) => `source:${s.source}.${s.stream}`)].join(
          " ",
        ),
        downstream: dag.children(id).join(" "),
      };
    });
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
