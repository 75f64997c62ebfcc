import type { StreamProgress } from "../extract/run-extract.js";

/**
 * Progress per stream: a redrawn block on a TTY, one plain line per change otherwise (so CI
 * logs and pipes stay readable). Throttled to a few updates a second.
 */
export function streamProgress(stream: NodeJS.WriteStream = process.stderr): {
  update: (p: StreamProgress) => void;
  done: () => void;
} {
  const state = new Map<string, StreamProgress>();
  let drawn = 0;
  let last = 0;
  const tty = stream.isTTY === true;
  const fmt = (p: StreamProgress) => {
    const secs = Math.max(0.001, (Date.now() - p.startedAt) / 1000);
    return `${`${p.source}.${p.stream}`.padEnd(32)} ${p.status.padEnd(9)} ${String(p.rows).padStart(9)} rows ${String(p.batches).padStart(5)} batches ${Math.round(
      p.rows / secs,
    )
      .toString()
      .padStart(
        7,
      )} rows/s${p.requests !== undefined ? `  ${p.source}: ${p.requests} requests, ${p.retries ?? 0} retries` : ""}${p.error ? `  ${p.error}` : ""}`;
  };
  const draw = (force = false) => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - last < 200) return;
    last = now;
    if (drawn) stream.write(`\x1b[${drawn}A`);
    const lines = [...state.values()].map(fmt);
    for (const l of lines) stream.write(`\x1b[2K${l}\n`);
    drawn = lines.length;
  };
  return {
    update(p) {
      const key = `${p.source}.${p.stream}`;
      const prev = state.get(key);
      state.set(key, { ...p });
      if (!tty && (prev?.status !== p.status || p.status !== "running")) stream.write(fmt(p) + "\n");
      draw();
    },
    done() {
      draw(true);
    },
  };
}
