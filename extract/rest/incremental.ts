import type { RestIncrementalConfig } from "../../config/rest-source.js";
import { TrueupError } from "../../core/errors.js";
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
  pass?: {
    next: PageRequest;
    start?: CursorValue;
    high?: CursorValue;
    highKeys?: string[];
    /** With a result ceiling: the start value of the current query, and the results it served. */
    window?: CursorValue;
    read?: number;
  };
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
  /** The start value of the query under way (it moves when a result ceiling is reached). */
  private window: CursorValue | undefined;
  /** Results the query under way has served. */
  private read: number;

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
    this.window = resumed?.window ?? this.start;
    this.read = resumed?.read ?? 0;
  }

  /**
   * Counts a page's results against the resource's result ceiling; when the next page would pass
   * it, the value the query must start from instead (the largest seen: results come sorted by
   * the cursor, so all before it were served). The records at that value come again, and land
   * again (staging keeps one row per key). Fails when the ceiling's worth of results all have one
   * value: no query on the cursor can get past them.
   */
  narrowAt(served: number, where: string): CursorValue | undefined {
    const ceiling = this.cfg?.resultCeiling;
    if (!ceiling) return undefined;
    this.read += served;
    if (this.read + served <= ceiling) return undefined;
    const from = this.high;
    const fmt = this.cfg!.format;
    const window = numeric(this.window, fmt);
    if (from === undefined || (window !== undefined && numeric(from, fmt)! <= window))
      throw new TrueupError(
        `${where}: the API serves at most ${ceiling} results a query and more than that many records have ${this.cfg!.cursorPath} ${String(from ?? this.window)}; the pass cannot page past them (narrow the resource's filters)`,
      );
    this.window = from;
    this.read = 0;
    return from;
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
      pass: {
        next,
        start: this.start,
        high: this.high,
        highKeys: [...this.highKeys],
        ...(this.cfg.resultCeiling ? { window: this.window, read: this.read } : {}),
      },
    };
  }
}
