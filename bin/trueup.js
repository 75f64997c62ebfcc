#!/usr/bin/env node
// In a checkout the TypeScript sources are here and run through tsx, so `npx trueup` needs no build
// step; an installed package has only the compiled dist/ (built by `prepack`) and runs that.
import { existsSync } from "node:fs";

const source = new URL("../cli/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import("../dist/cli/main.js");
}
