import { describe, expect, it } from "vitest";
import { rowsOf, toLoadBatch } from "../../load/arrow.js";

describe("Arrow batches", () => {
  it("carry text, nulls, empty strings and non-ASCII exactly, as Arrow's own reader sees them", () => {
    const text = ["K-1", null, "", "Zürich – 東京", "a\tb\nc", null, "x".repeat(5000), "€"];
    const flags = [true, false, null, true, false, true, null, false];
    const batch = toLoadBatch([
      { name: "t", type: "text", values: text },
      { name: "b", type: "boolean", values: flags },
      { name: "n", type: "numeric", values: [1.5, "2.25", null, 3, 4, 5, 6, 7] },
    ]);
    // Arrow's own reader sees the vector as built (offsets, validity bitmap, UTF-8 bytes).
    expect([...batch.arrow.getChild("t")!]).toEqual(text);
    const rows = [...rowsOf(batch, ["t", "b", "n"], 3)].flat();
    expect(rows.map((r) => r[0])).toEqual(text);
    expect(rows.map((r) => r[1])).toEqual(flags);
    expect(rows.map((r) => r[2])).toEqual(["1.5", "2.25", null, "3", "4", "5", "6", "7"]);
  });

  it("reads ASCII columns that contain nulls at any position", () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : `v${i}`));
    const [rows] = [...rowsOf(toLoadBatch([{ name: "v", type: "text", values }]), ["v"], 1000)];
    expect(rows!.map((r) => r[0])).toEqual(values);
  });
});
