import type { RestIncrementalConfig } from "../../config/rest-source.js";
import type { PageRequest } from "./paginators.js";

export type CursorValue = string | number;

/**
 * Where a resource (or, for a child resource, one parent's records) stands; it commits with
 * each page's rows. Between runs: the value the last completed pass reached. During a pass:
 * the next page's request too, so a crash resumes at the page after the last committed one.
 */
export interface Position {
  /** The largest cursor value a completed pass saw: the next pass starts there (less the lookback). */
  value?: CursorValue;
  /** Keys of the records whose cursor is exactly `value`, which the next pass does not land again. */
  keys?: string[];
  /** A pass under way: its next page, and the largest value (with its records' keys) seen so far. */
  pass?: { next: PageRequest; start?: CursorValue; high?: CursorValue; highKeys?: string[] };
}

const TIME = new Set(["iso", "epoch_seconds", "epoch_ms"]);

function numeric(v: unknown, format: RestIncrementalConfig["format"]): number | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const n = format === "iso" ? (typeof v === "number" ? v : Date.parse(String(v))) : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** The value `seconds` before `v`, in v's own format. */
function minus(v: CursorValue, seconds: number, format: RestIncrementalConfig["format"]): CursorValue {
  if (!seconds || !TIME.has(format)) return v;
  if (format === "iso") return new Date(numeric(v, format)! - seconds * 1000).toISOString();
  return Number(v) - seconds * (format === "epoch_ms" ? 1000 : 1);
}

/**
 * One pass over a resource: which start value its first request asks from, which records it
 * lands (not those before the start, nor those tied at the saved value that were landed
 * already), and the position after each page.
 */
export class IncrementalPass {
  /** What the first request asks from (undefined: not incremental). */
  readonly start: CursorValue | undefined;
  private high: CursorValue | undefined;
  private highKeys: Set<string>;
  private readonly known: Set<string>;

  constructor(
    private readonly cfg: RestIncrementalConfig | undefined,
    private readonly saved: Position | undefined,
    lookbackSeconds: number,
  ) {
    this.known = new Set(saved?.keys ?? []);
    const resumed = saved?.pass;
    this.high = resumed ? resumed.high : saved?.value;
    this.highKeys = new Set(resumed ? (resumed.highKeys ?? []) : (saved?.keys ?? []));
    if (!cfg) this.start = undefined;
    else if (resumed) this.start = resumed.start;
    else if (saved?.value !== undefined) this.start = minus(saved.value, lookbackSeconds, cfg.format);
    else this.start = cfg.initialValue;
  }

  /** The page to resume at, when a pass was under way. */
  get resumeAt(): PageRequest | undefined {
    return this.saved?.pass?.next;
  }

  /** Whether to land this record (its key given); records the largest cursor value seen. */
  admit(cursor: unknown, key: string): boolean {
    const cfg = this.cfg;
    if (!cfg) return true;
    const v = numeric(cursor, cfg.format);
    if (v === undefined) return true;
    const start = this.start === undefined ? undefined : numeric(this.start, cfg.format);
    if (start !== undefined && v < start) return false;
    const saved = numeric(this.saved?.value, cfg.format);
    if (saved !== undefined && v === saved && this.known.has(key)) return false;
    const high = numeric(this.high, cfg.format);
    if (high === undefined || v > high) {
      this.high = cursor as CursorValue;
      this.highKeys = new Set([key]);
    } else if (v === high) this.highKeys.add(key);
    return true;
  }

  /** The position after a page: with `next`, the pass goes on; without, it is complete. */
  position(next: PageRequest | undefined): Position {
    if (!this.cfg) return next ? { pass: { next } } : {};
    const reached = this.high === undefined ? {} : { value: this.high, keys: [...this.highKeys] };
    if (!next) return this.high === undefined ? { ...this.saved, pass: undefined } : reached;
    return {
      value: this.saved?.value,
      keys: this.saved?.keys,
      pass: { next, start: this.start, high: this.high, highKeys: [...this.highKeys] },
    };
  }
}
