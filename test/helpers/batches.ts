import type { ExtractBatch } from "../../load/interfaces.js";

/** A source of batches, as a stream handle yields them. */
export async function* from(batches: ExtractBatch[]): AsyncGenerator<ExtractBatch> {
  for (const b of batches) yield b;
}
