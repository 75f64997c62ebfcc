import pLimit from "p-limit";
import type { Credentials } from "../config/credentials.js";
import type { Config, SourceSystem } from "../config/schema.js";
import { UsageError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/log.js";
import { QuotaExhaustedError } from "./http/errors.js";
import type { HttpClient } from "./http/interfaces.js";
import { loadStream } from "../load/load-stream.js";
import { readCursor } from "../load/state.js";
import type { StreamLoadResult } from "../load/interfaces.js";
import type { Warehouse } from "../warehouse/interfaces.js";
import type { Source, StreamHandle } from "./interfaces.js";
import { sourcesFor } from "./registry.js";

export interface ExtractOptions {
  warehouse: Warehouse;
  config: Config;
  credentials: Credentials;
  runId: string;
  log: Logger;
  /** `SOURCE` or `SOURCE.STREAM`; empty: every enabled source. */
  selection?: string[];
  fullRefresh?: boolean;
  /** Streams loading at once (each source also limits its own requests). */
  concurrency?: number;
  sources?: Partial<Record<SourceSystem, Source>>;
  /**
   * Records the run and each stream in run history (the CLI passes one; the DAG runner records
   * its own nodes, so it passes none).
   */
  recorder?: ExtractRecorder;
  onProgress?: (p: StreamProgress) => void;
}

/** What extract tells run history: the run, and each stream as a node (orchestration's RunRecorder is one). */
export interface ExtractRecorder {
  start(command: string, details: { selector?: string }): Promise<void>;
  nodeStarted(node: string, kind: string): Promise<void>;
  nodeFinished(
    node: string,
    outcome: { status: "succeeded" | "failed"; rows?: number; error?: string; details?: unknown },
  ): Promise<void>;
  finish(status: "succeeded" | "failed", summary: unknown): Promise<void>;
}

export interface StreamProgress {
  source: string;
  stream: string;
  status: "running" | "succeeded" | "failed";
  rows: number;
  /** Batches committed: a page for the API sources, up to 25,000 rows for files. */
  batches: number;
  /** The source's HTTP requests and retries so far (its streams share one client). */
  requests?: number;
  retries?: number;
  startedAt: number;
  error?: string;
}

export interface StreamOutcome extends Partial<StreamLoadResult> {
  source: string;
  stream: string;
  /**
   * stopped: the source's API quota (its configured share) ran out; what was read is committed
   * with its cursor and the next run resumes there.
   */
  status: "succeeded" | "failed" | "stopped";
  /** The source's HTTP requests and retries in this run (shared by its streams). */
  requests?: number;
  retries?: number;
  error?: string;
  seconds: number;
}

function parseSelection(selection: string[] | undefined, known: Partial<Record<SourceSystem, Source>>) {
  const wanted = new Map<string, Set<string> | "all">();
  for (const item of selection ?? []) {
    const [source, stream] = item.split(".", 2) as [string, string | undefined];
    if (!(source in known)) {
      throw new UsageError(`unknown source "${source}"; known: ${Object.keys(known).join(", ")}`);
    }
    if (!stream) wanted.set(source, "all");
    else {
      const cur = wanted.get(source);
      if (cur !== "all") wanted.set(source, new Set([...(cur ?? []), stream.toLowerCase()]));
    }
  }
  return wanted;
}

/** Extract and load: every selected stream of every enabled source, streams in parallel. */
export async function runExtract(options: ExtractOptions): Promise<StreamOutcome[]> {
  const known = options.sources ?? sourcesFor(options.config);
  const wanted = parseSelection(options.selection, known);
  const ctxBase = {
    runId: options.runId,
    config: options.config,
    credentials: options.credentials,
    warehouse: options.warehouse,
    fullRefresh: options.fullRefresh === true,
    now: () => new Date(),
  };
  const clients = new Map<string, HttpClient[]>();
  const httpOf = (source: string) => {
    const list = clients.get(source) ?? [];
    return {
      requests: list.reduce((n, c) => n + c.stats().requests, 0),
      retries: list.reduce((n, c) => n + c.stats().retries, 0),
    };
  };
  const handles: { source: SourceSystem; handle: StreamHandle }[] = [];
  for (const [name, source] of Object.entries(known) as [SourceSystem, Source][]) {
    if (wanted.size && !wanted.has(name)) continue;
    if (!wanted.size && source.declaredStreams(options.config).length === 0) continue;
    const streams = await source.streams({
      ...ctxBase,
      log: options.log.child({ source: name }),
      onClient: (c) => clients.set(name, [...(clients.get(name) ?? []), c]),
    });
    const filter = wanted.get(name);
    for (const handle of streams) {
      if (filter && filter !== "all" && !filter.has(handle.descriptor.stream.toLowerCase())) continue;
      handles.push({ source: name, handle });
    }
    if (filter && filter !== "all") {
      const have = new Set(streams.map((s) => s.descriptor.stream.toLowerCase()));
      const missing = [...filter].filter((s) => !have.has(s));
      if (missing.length) {
        throw new UsageError(
          `unknown stream ${missing.map((s) => `${name}.${s}`).join(", ")}; ${name} has ${[...have].join(", ") || "no enabled streams"}`,
        );
      }
    }
  }
  const recorder = options.recorder;
  await recorder?.start("extract", { selector: options.selection?.join(" ") });
  const limit = pLimit(options.concurrency ?? 4);
  const outcomes = await Promise.all(
    handles.map(({ source, handle }) =>
      limit(async (): Promise<StreamOutcome> => {
        const d = handle.descriptor;
        const node = `${d.source}.${d.stream}`;
        const started = Date.now();
        const progress: StreamProgress = {
          source,
          stream: d.stream,
          status: "running",
          rows: 0,
          batches: 0,
          startedAt: started,
        };
        options.onProgress?.(progress);
        await recorder?.nodeStarted(node, "extract");
        try {
          const cursor = options.fullRefresh
            ? undefined
            : await readCursor(options.warehouse, d.source, d.stream);
          const result = await loadStream(options.warehouse, d, handle.read(cursor), {
            runId: options.runId,
            fullRefresh: options.fullRefresh,
            onReplace: handle.replaced?.bind(handle),
            log: options.log,
            onBatch: (p) => {
              progress.rows = p.rows;
              progress.batches = p.batches;
              Object.assign(progress, httpOf(source));
              options.onProgress?.(progress);
            },
          });
          progress.status = "succeeded";
          Object.assign(progress, httpOf(source));
          options.onProgress?.(progress);
          await recorder?.nodeFinished(node, { status: "succeeded", rows: result.rows, details: result });
          return {
            ...result,
            ...httpOf(source),
            status: "succeeded",
            seconds: (Date.now() - started) / 1000,
          };
        } catch (err) {
          const stopped = err instanceof QuotaExhaustedError;
          const error = stopped
            ? `stopped on the API quota, resumes next run: ${errorMessage(err)}`
            : errorMessage(err);
          progress.status = "failed";
          progress.error = error;
          options.onProgress?.(progress);
          if (stopped) options.log.warn({ node, rows: progress.rows }, error);
          else options.log.error({ node, err }, "stream failed");
          await recorder?.nodeFinished(node, { status: "failed", error, rows: progress.rows });
          return {
            source,
            stream: d.stream,
            status: stopped ? "stopped" : "failed",
            error,
            seconds: (Date.now() - started) / 1000,
            rows: progress.rows,
          };
        }
      }),
    ),
  );
  const failed = outcomes.filter((o) => o.status !== "succeeded");
  await recorder?.finish(failed.length ? "failed" : "succeeded", {
    streams: outcomes.length,
    failed: failed.length,
  });
  return outcomes;
}
