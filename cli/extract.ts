import { extractStreams } from "../api/extract.js";
import type { CommandContext } from "./context.js";
import { streamProgress } from "./progress.js";
import { formatTable } from "./table.js";

export async function extractCommand(
  ctx: CommandContext,
  streams: string[],
  opts: { fullRefresh?: boolean },
): Promise<number> {
  const progress = ctx.json ? undefined : streamProgress();
  const { streams: outcomes } = await extractStreams(ctx, {
    streams,
    fullRefresh: opts.fullRefresh,
    onProgress: progress?.update,
  });
  progress?.done();
  if (ctx.json) ctx.printJson({ run_id: ctx.runId, streams: outcomes });
  else if (outcomes.length === 0)
    ctx.print("nothing to extract: no source is configured and enabled (see docs/configuration.md)");
  else {
    ctx.print(
      formatTable(
        ["stream", "status", "rows", "deletes", "rejects", "batches", "seconds", "note"],
        outcomes.map((o) => [
          `${o.source}.${o.stream}`,
          o.status,
          o.rows ?? 0,
          o.deletes ?? 0,
          o.rejects ?? 0,
          o.batches ?? 0,
          Number(o.seconds.toFixed(1)),
          o.error ??
            [
              ...(o.addedColumns?.length ? [`+${o.addedColumns.length} columns`] : []),
              ...(o.typeIssues ? [`${o.typeIssues} type issues`] : []),
            ].join(", "),
        ]),
      ),
    );
    // Requests and retries per API source (its streams share one client, so they are per source).
    const http = new Map<string, { requests: number; retries: number }>();
    for (const o of outcomes)
      if (o.requests !== undefined) {
        const h = http.get(o.source) ?? { requests: 0, retries: 0 };
        http.set(o.source, {
          requests: Math.max(h.requests, o.requests),
          retries: Math.max(h.retries, o.retries ?? 0),
        });
      }
    if (http.size)
      ctx.print(
        `http: ${[...http].map(([s, h]) => `${s} ${h.requests} requests, ${h.retries} retries`).join("; ")}`,
      );
    ctx.print(`run ${ctx.runId}`);
  }
  // A stream stopped on its API quota kept what it read; the run is still incomplete (exit 1).
  return outcomes.some((o) => o.status !== "succeeded") ? 1 : 0;
}
