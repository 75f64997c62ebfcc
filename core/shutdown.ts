/**
 * Cleanup on SIGINT/SIGTERM: an embedded Postgres must be stopped, a sandbox closed, before the
 * process exits. Handlers run newest first (a warehouse opened last closes first).
 */
type Cleanup = () => Promise<void> | void;

const cleanups: Cleanup[] = [];
let installed = false;
let shuttingDown = false;

export function onShutdown(fn: Cleanup): () => void {
  cleanups.push(fn);
  installSignalHandlers();
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch {
      /* keep cleaning up the rest */
    }
  }
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (shuttingDown) return;
      shuttingDown = true;
      process.stderr.write(`\ntrueup: ${signal} received, shutting down cleanly...\n`);
      void runCleanups().finally(() => process.exit(code));
    });
  }
}
