import { UsageError } from "./errors.js";
import type { Dag, DagNode } from "./dag.js";

/**
 * dbt's selection grammar where it applies: space- or comma-separated terms, union of all:
 *   name        the node (also matches a model's short name, `customer` for `canonical.customer`)
 *   +name       with all its ancestors;  name+  with all its descendants;  +name+  both
 *   source:x    every node of source x;  tag:t  every node tagged t;  kind:k  every node of a kind
 *   *           everything
 */
export function select<N extends DagNode>(dag: Dag<N>, expression: string | undefined): Set<string> {
  const all = new Set(dag.nodes.keys());
  if (!expression || !expression.trim() || expression.trim() === "*") return all;
  const out = new Set<string>();
  for (const raw of expression.split(/[\s,]+/).filter(Boolean)) {
    const up = raw.startsWith("+");
    const down = raw.endsWith("+") && raw.length > 1;
    const term = raw.slice(up ? 1 : 0, down ? -1 : undefined);
    const base = matchTerm(dag, term);
    if (base.size === 0) {
      throw new UsageError(
        `--select ${raw}: nothing matches "${term}" (try \`trueup build --list\` for node names)`,
      );
    }
    for (const id of base) {
      out.add(id);
      if (up) for (const a of dag.ancestors(id)) out.add(a);
      if (down) for (const d of dag.descendants(id)) out.add(d);
    }
  }
  return out;
}

function matchTerm<N extends DagNode>(dag: Dag<N>, term: string): Set<string> {
  const hit = new Set<string>();
  const [prefix, value] = term.includes(":") ? (term.split(":", 2) as [string, string]) : ["", term];
  for (const n of dag.nodes.values()) {
    const ok =
      prefix === "source"
        ? n.source === value
        : prefix === "tag"
          ? (n.tags ?? []).includes(value)
          : prefix === "kind"
            ? n.kind === value
            : prefix === ""
              ? n.id === value ||
                n.id.endsWith(`.${value}`) ||
                (value.endsWith("*") && n.id.startsWith(value.slice(0, -1)))
              : false;
    if (ok) hit.add(n.id);
  }
  if (prefix !== "" && !["source", "tag", "kind"].includes(prefix)) {
    throw new UsageError(`--select ${term}: unknown method "${prefix}:" (use source:, tag: or kind:)`);
  }
  return hit;
}
