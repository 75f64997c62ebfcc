import { runExtract, type StreamOutcome, type StreamProgress } from "../extract/run-extract.js";
import { RunRecorder } from "../orchestration/recorder.js";
import { lockRun, runHistory, withSession, type Session, type TrueupOptions } from "./session.js";

export interface ExtractStreamsOptions {
  /** `SOURCE` or `SOURCE.STREAM` entries; default every enabled source. */
  streams?: string[];
  /** Re-read the selected streams from the start. */
  fullRefresh?: boolean;
  onProgress?: (progress: StreamProgress) => void;
}

export type ExtractOptions = TrueupOptions & ExtractStreamsOptions;

export interface ExtractResult {
  runId: string;
  /** One per stream; a stream whose status is not `succeeded` kept what it read. */
  streams: StreamOutcome[];
}

/** Extract and load only: `trueup extract`. */
export function extract(options: ExtractOptions = {}): Promise<ExtractResult> {
  return withSession(options, (session) => extractStreams(session, options));
}

export async function extractStreams(session: Session, opts: ExtractStreamsOptions): Promise<ExtractResult> {
  const { warehouse } = await session.warehouse();
  const history = await runHistory(session);
  await lockRun(session, "extract");
  const streams = await runExtract({
    warehouse,
    config: session.loaded.config,
    credentials: session.credentials(),
    runId: session.runId,
    log: session.log,
    selection: opts.streams ?? [],
    fullRefresh: opts.fullRefresh,
    recorder: new RunRecorder(history, session.runId),
    onProgress: opts.onProgress,
  });
  return { runId: session.runId, streams };
}
