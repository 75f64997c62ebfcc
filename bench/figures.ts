import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** The figures of one `npm run bench`: recorded per run, then summarised, kept and printed. */

interface Figure {
  name: string;
  unit: string;
  target?: string;
  values: number[];
}
interface FigureResult {
  name: string;
  unit: string;
  target?: string;
  runs: number;
  median: number;
  min: number;
  max: number;
  measuredAt?: string;
}
const RESULTS = path.resolve(import.meta.dirname, "results.json");
const figures = new Map<string, Figure>();
export function record(name: string, unit: string, value: number, target?: string): void {
  const f = figures.get(name) ?? { name, unit, target, values: [] };
  f.values.push(value);
  figures.set(name, f);
  process.stderr.write(`  ${name}: ${value.toFixed(3)} ${unit}\n`);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Writes bench/results.json (the median, min and max of each figure over the runs) and prints
 * the table. A partial run (BENCH_ONLY: `only` holds fewer than all `groups`) keeps the figures
 * it did not measure, each with the date it was measured.
 */
export function writeResults(opts: { runs: number; only: ReadonlySet<string>; groups: number }): void {
  const results = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    runs: opts.runs,
    figures: [] as FigureResult[],
  };
  const measuredAt = results.generatedAt;
  const fresh: FigureResult[] = [...figures.values()].map((f) => ({
    name: f.name,
    unit: f.unit,
    target: f.target,
    runs: f.values.length,
    median: median(f.values),
    min: Math.min(...f.values),
    max: Math.max(...f.values),
    measuredAt,
  }));
  // A partial run (BENCH_ONLY) keeps the figures it did not measure, each with the date it was measured.
  const previous: { generatedAt?: string; figures?: FigureResult[] } =
    opts.only.size < opts.groups && existsSync(RESULTS)
      ? (JSON.parse(readFileSync(RESULTS, "utf8")) as { generatedAt?: string; figures?: FigureResult[] })
      : {};
  const groupOf = (name: string): string =>
    name.startsWith("reconcile")
      ? "recon"
      : name.startsWith("incremental")
        ? "extract"
        : name.startsWith("reverse")
          ? "reverse"
          : name.split(/[\s:]/)[0]!;
  const kept = (previous.figures ?? [])
    .filter((f) => !opts.only.has(groupOf(f.name)))
    .map((f) => ({ ...f, measuredAt: f.measuredAt ?? previous.generatedAt }));
  results.figures = [...fresh, ...kept];
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
  const w = Math.max(...results.figures.map((f) => f.name.length));
  console.log(
    `${"figure".padEnd(w)}  ${"median".padStart(12)}  ${"min".padStart(12)}  ${"max".padStart(12)}  unit      target`,
  );
  for (const f of results.figures)
    console.log(
      `${f.name.padEnd(w)}  ${f.median.toFixed(3).padStart(12)}  ${f.min.toFixed(3).padStart(12)}  ${f.max.toFixed(3).padStart(12)}  ${f.unit.padEnd(8)}  ${f.target ?? ""}`,
    );
  console.log("\nwrote bench/results.json");
}
