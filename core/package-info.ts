import { readFileSync } from "node:fs";
import path from "node:path";

export interface PackageInfo {
  /** The folder holding trueup's own package.json: the checkout, or node_modules/trueup. */
  root: string;
  version: string;
}

let cached: PackageInfo | undefined;

/**
 * trueup's own package.json, found upward from this file: it sits one folder up in a checkout
 * (core/) and two when installed (dist/core/).
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "trueup" && pkg.version) return (cached = { root: dir, version: pkg.version });
    } catch {
      // No package.json here (or not ours): keep going up.
    }
    if (path.dirname(dir) === dir)
      throw new Error(`trueup's package.json not found above ${import.meta.dirname}`);
  }
}
