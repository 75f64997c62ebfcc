/**
 * Which columns of each upstream relation a node reads, from its `ref(name, { columns })` calls:
 * a node that names the columns it reads is rebuilt when those change, not whenever the upstream
 * is rebuilt. One ref without `columns` means every column.
 */
export class ColumnReads {
  private readonly reads = new Map<string, Set<string> | "all">();

  add(id: string, columns?: readonly string[]): void {
    const had = this.reads.get(id);
    if (!columns || had === "all") {
      this.reads.set(id, "all");
      return;
    }
    const set = had ?? new Set<string>();
    for (const c of columns) set.add(c);
    this.reads.set(id, set);
  }

  /** The upstreams read only in part, each with its columns (sorted). */
  narrowed(): Record<string, readonly string[]> {
    const out: Record<string, readonly string[]> = {};
    for (const [id, cols] of [...this.reads].sort(([a], [b]) => a.localeCompare(b)))
      if (cols !== "all") out[id] = [...cols].sort();
    return out;
  }
}
