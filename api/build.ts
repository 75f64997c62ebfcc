import { buildModels, type ModelOutcome } from "../models/build.js";
import { loadProject, projectRoot } from "../orchestration/project.js";
import { lockRun, withSession, type Session, type TrueupOptions } from "./session.js";

export interface BuildProjectOptions {
  /** Model selection in dbt's grammar; default every model. */
  select?: string;
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
}

export type BuildOptions = TrueupOptions & BuildProjectOptions;

export interface BuildResult {
  runId: string;
  /** One per model built, with its data tests. */
  models: ModelOutcome[];
}

/** Builds the models (built-in and the project's own) and runs their data tests: `trueup build`. */
export function build(options: BuildOptions = {}): Promise<BuildResult> {
  return withSession(options, (session) => buildProject(session, options));
}

export async function buildProject(session: Session, opts: BuildProjectOptions): Promise<BuildResult> {
  const config = session.loaded.config;
  const { models } = await loadProject(config, projectRoot(session.loaded));
  const { warehouse } = await session.warehouse();
  await lockRun(session, "build");
  const outcomes = await buildModels({
    warehouse,
    config,
    log: session.log,
    models,
    select: opts.select,
    fullRefresh: opts.fullRefresh,
  });
  return { runId: session.runId, models: outcomes };
}
