import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Truth } from "./truth.js";

export type { Truth, TruthDiscrepancy, TruthLink } from "./truth.js";

export interface WorldManifest {
  seed: number;
  scale: number;
  as_of: string;
  entities: { id: string; name: string; erp: string; currency: string }[];
  files: Record<string, number>;
}

export async function readWorldManifest(dir: string): Promise<WorldManifest> {
  return JSON.parse(await fs.readFile(path.join(dir, "world.json"), "utf8")) as WorldManifest;
}

export async function readTruth(dir: string): Promise<Truth> {
  return JSON.parse(await fs.readFile(path.join(dir, "truth.json"), "utf8")) as Truth;
}

/** Streams the records of a JSONL file; a missing file is an empty stream (CONTRACTS §3). */
export async function* readJsonl<T = Record<string, unknown>>(file: string): AsyncGenerator<T> {
  try {
    await fs.access(file);
  } catch {
    return;
  }
  const rl = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (!text.trim()) continue;
    try {
      yield JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`${file}:${line}: not JSON: ${(err as Error).message}`, { cause: err });
    }
  }
}
