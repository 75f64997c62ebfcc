import { buildProject } from "../api/build.js";
import { modelDag } from "../models/project.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { select } from "../core/select.js";
import { familyNodes } from "../reconcile/stage.js";
import { ruleFamilies } from "../reconcile/user-rules.js";
import type { CommandContext } from "./context.js";
import { formatTable } from "./table.js";

/** One line of `trueup build --list`: a model, or a reconciliation rule reading models. */
interface ListRow {
  model: string;
  kind: "model" | "rule";
  materialized: string;
  tags: string;
  upstream: string;
  downstream: string;
  /** The project file it is defined in; null for built-in models and rules. */
  file: string | null;
}

/** The note column: why a model was not rebuilt, or what its periodic verification found. */
const NOTES: Record<string, string> = {
  "inputs unchanged": "up to date",
  equal: "verified: equal to a full rebuild",
  differs: "VERIFICATION FAILED: differed from a full rebuild (a defect; rebuilt in full)",
};

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
    const rows: ListRow[] = chosen.map((id) => {
      const n = dag.get(id);
      return {
        model: id,
        kind: "model",
        materialized: n.model.definition.materialized,
        tags: (n.model.definition.tags ?? []).join(","),
        upstream: [...n.model.refs, ...n.model.sources.map((s) => `source:${s.source}.${s.stream}`)].join(
          " ",
        ),
        downstream: [...dag.children(id), ...readers(id)].join(" "),
        file: n.model.definition.file ?? null,
      };
    });
    // Rules are listed after the models when no --select narrows the list to models.
    if (!opts.select) {
      for (const r of rules) {
        rows.push({
          model: r.id,
          kind: "rule",
          materialized: "rule",
          tags: (r.tags ?? []).join(","),
          upstream: r.upstream.join(" "),
          downstream: "",
          file: ruleFamilies().find((f) => f.name === r.name)?.file ?? null,
        });
      }
    }
    if (ctx.json) ctx.printJson(rows);
    else if (rows.length === 0) ctx.print("no models");
    else
      ctx.print(
        formatTable(
          ["model", "materialized", "tags", "upstream", "downstream", "file"],
          rows.map((r) => [r.model, r.materialized, r.tags, r.upstream, r.downstream, r.file ?? ""]),
        ),
      );
    return 0;
  }
  const { models: outcomes } = await buildProject(ctx, opts);
  if (ctx.json) ctx.printJson({ run_id: ctx.runId, models: outcomes });
  else {
    ctx.print(
      formatTable(
        ["model", "status", "rows", "touched", "tests", "seconds", "error", "note"],
        outcomes.map((o) => [
          o.model,
          o.status,
          o.result?.rows ?? null,
          o.result?.touched ?? null,
          `${o.tests.filter((t) => t.failures === 0).length}/${o.tests.length}`,
          Number(o.seconds.toFixed(2)),
          o.error ?? "",
          NOTES[o.verified ?? o.skipped ?? ""] ?? "",
        ]),
      ),
    );
  }
  // A verification that found a difference is a defect worth a failed exit, though the full
  // rebuild already replaced what was wrong.
  return outcomes.some((o) => o.status !== "succeeded" || o.verified === "differs") ? 1 : 0;
}
