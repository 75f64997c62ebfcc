import type { Warehouse } from "../warehouse/interfaces.js";

/**
 * Estimates, per activity label (one per DAG node), how long that work's warehouse transactions
 * waited for locks: every `intervalMs` it asks the warehouse which labelled connections are
 * waiting and credits each with the time since the previous sample. Sampling, not tracing: a
 * wait shorter than the interval may be missed, one longer is counted to within an interval.
 */
export class LockWaitSampler {
  private readonly waitedMs = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private stopped = false;

  constructor(
    private readonly wh: Warehouse,
    readonly prefix: string,
    private readonly intervalMs = 250,
  ) {}

  /** False where the warehouse cannot tell lock waits (then nothing is sampled). */
  get supported(): boolean {
    return this.wh.lockWaiters !== undefined;
  }

  start(): void {
    if (!this.supported) return;
    this.last = Date.now();
    const tick = async () => {
      // A sample that fails (a connection lost) counts nothing; the next one goes on.
      const labels = await this.wh.lockWaiters!(this.prefix).catch(() => [] as string[]);
      const now = Date.now();
      for (const l of new Set(labels)) this.waitedMs.set(l, (this.waitedMs.get(l) ?? 0) + now - this.last);
      this.last = now;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.intervalMs);
    };
    this.timer = setTimeout(() => void tick(), this.intervalMs);
  }

  /** Seconds the label's connections were seen waiting so far; undefined if not sampled. */
  waitedSeconds(label: string): number | undefined {
    return this.supported ? (this.waitedMs.get(label) ?? 0) / 1000 : undefined;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
