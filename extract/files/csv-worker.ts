import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, parentPort, workerData } from "node:worker_threads";
import type { ErpFilePattern } from "../../config/schema.js";
import { parseCsvBatches, type CsvBatch } from "./csv-read.js";

/**
 * Parsing a CSV export in a worker thread: parsing is about half of a file load's CPU, and on the
 * main thread it competed with building Arrow batches and COPY streams for one core while the
 * other sat idle. The worker parses the next batch while the main thread loads this one.
 */

interface WorkerInput {
  file: string;
  pattern: ErpFilePattern;
  batchRows: number;
}

type WorkerMessage = { batch: CsvBatch } | { done: true } | { error: string; stack?: string };

/** The worker's side: one batch per credit the main thread sends, so it stays one batch ahead. */
export async function runCsvWorker(): Promise<void> {
  const port = parentPort!;
  const input = (workerData as { input: WorkerInput }).input;
  let credits = 0;
  let wake: (() => void) | undefined;
  port.on("message", () => {
    credits++;
    wake?.();
  });
  try {
    for await (const batch of parseCsvBatches(input.file, input.pattern, input.batchRows)) {
      while (credits === 0) await new Promise<void>((r) => (wake = r));
      credits--;
      port.postMessage({ batch } satisfies WorkerMessage);
    }
    port.postMessage({ done: true } satisfies WorkerMessage);
  } catch (err) {
    const e = err as Error;
    port.postMessage({ error: e.message, stack: e.stack } satisfies WorkerMessage);
  }
  port.close();
}

/**
 * The worker runs this file's own code. From a checkout that is TypeScript, so it registers tsx
 * first (as bin/trueup.js does), whichever way the parent process was started (CLI, vitest,
 * bench); the installed package's compiled JavaScript needs no loader.
 */
function workerSource(): string {
  const here = fileURLToPath(import.meta.url);
  let register = "";
  if (here.endsWith(".ts")) {
    const tsxApi = createRequire(here).resolve("tsx/esm/api");
    const tsx = pathToFileURL(tsxApi.replace(/\.cjs$/, ".mjs")).href;
    register = `const { register } = await import(${JSON.stringify(tsx)});
    register();`;
  }
  return `(async () => {
    ${register}
    const m = await import(${JSON.stringify(pathToFileURL(here).href)});
    await m.runCsvWorker();
  })().catch((err) => { require("node:worker_threads").parentPort.postMessage({ error: String(err && err.message || err), stack: err && err.stack }); });`;
}

/**
 * The file's batches, parsed in a worker thread one batch ahead of the consumer. Stopping the
 * iteration early terminates the worker (and closes the file).
 */
export async function* csvBatchesInWorker(
  file: string,
  pattern: ErpFilePattern,
  batchRows: number,
): AsyncGenerator<CsvBatch> {
  const worker = new Worker(workerSource(), {
    eval: true,
    workerData: { input: { file, pattern, batchRows } satisfies WorkerInput },
  });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  const push = (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  };
  worker.on("message", (m: WorkerMessage) => push(m));
  worker.on("error", (err: Error) => push({ error: err.message, stack: err.stack }));
  worker.on("exit", (code) => {
    if (code !== 0) push({ error: `CSV worker for ${path.basename(file)} exited with code ${code}` });
  });
  try {
    worker.postMessage("next"); // the batch we take now
    worker.postMessage("next"); // and one parsed ahead
    for (;;) {
      while (!queue.length) await new Promise<void>((r) => (wake = r));
      const m = queue.shift()!;
      if ("done" in m) return;
      if ("error" in m) {
        const err = new Error(`reading ${path.basename(file)}: ${m.error}`);
        if (m.stack) err.stack = `${err.message}\n(in the CSV worker) ${m.stack}`;
        throw err;
      }
      worker.postMessage("next");
      yield m.batch;
    }
  } finally {
    await worker.terminate();
  }
}
