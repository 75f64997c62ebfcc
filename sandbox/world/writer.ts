import { createWriteStream, promises as fs } from "node:fs";
import { once } from "node:events";
import path from "node:path";

/**
 * Writes JSONL files in bounded chunks (a scale-10 world is hundreds of MB: no giant strings),
 * and counts what it wrote for the world manifest.
 */
export class JsonlWriter {
  private readonly sizes = new Map<string, number>();

  constructor(private readonly dir: string) {}

  async write(rel: string, records: readonly unknown[]): Promise<void> {
    const file = path.join(this.dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const out = createWriteStream(file);
    let chunk = "";
    for (const r of records) {
      chunk += JSON.stringify(r) + "\n";
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, "drain");
        chunk = "";
      }
    }
    out.end(chunk);
    await once(out, "finish");
    this.count(rel, records.length);
  }

  async writeJson(rel: string, value: unknown): Promise<void> {
    await fs.writeFile(path.join(this.dir, rel), JSON.stringify(value, null, 2) + "\n");
  }

  count(rel: string, n: number): void {
    this.sizes.set(rel, n);
  }

  counts(): Record<string, number> {
    return Object.fromEntries([...this.sizes].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
