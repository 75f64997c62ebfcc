import { createRequire } from "node:module";
import type * as GraphileWorkerModule from "graphile-worker";
import type { z } from "zod";

type GraphileWorker = typeof GraphileWorkerModule;

let parser: GraphileWorker["parseCronItem"] | undefined;

/**
 * graphile-worker's own cron parser, so that config loading accepts exactly what the worker's
 * crontab will. Loaded on first use: only a config with schedules pays for loading the worker.
 */
function parseCronItem(): GraphileWorker["parseCronItem"] {
  parser ??= (createRequire(import.meta.url)("graphile-worker") as GraphileWorker).parseCronItem;
  return parser;
}

/** Why graphile-worker refuses `expression`, or undefined when it takes it. */
export function cronProblem(expression: string): string | undefined {
  try {
    parseCronItem()({ task: "trueup_schedule", match: expression });
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/ in parseCronItem call/, "").replace(/\.$/, "");
  }
}

const HOW = "write five cron fields (minute hour day-of-month month day-of-week), e.g. `*/15 * * * *`";

/**
 * Checks the cron expression in `field` of a named object (a schedule's `cron`, a sync's
 * `schedule`), so that the message names it: in a list its path is only an index.
 */
export function namedCron<F extends string>(field: F, kind: string) {
  return (value: { name: string } & { [K in F]?: string }, ctx: z.RefinementCtx): void => {
    const expression = value[field];
    if (expression === undefined) return;
    const problem = cronProblem(expression);
    if (problem)
      ctx.addIssue({
        code: "custom",
        path: [field],
        input: expression,
        message: `${kind} "${value.name}": ${problem}; ${HOW}`,
      });
  };
}
