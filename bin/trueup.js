#!/usr/bin/env node
// trueup ships as TypeScript and runs through tsx, so `npx trueup` works from a clone with no build
// step, and user config files (trueup.config.ts) load the same way.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
