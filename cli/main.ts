import { main } from "./program.js";

// bin/trueup renames --env-file (Node 20 would read it as its own flag); restore it.
const argv = process.argv.map((a) =>
  a === "--trueup-env-file"
    ? "--env-file"
    : a.startsWith("--trueup-env-file=")
      ? `--env-file=${a.slice(18)}`
      : a,
);
await main(argv);
