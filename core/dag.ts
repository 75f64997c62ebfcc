import { ConfigError } from "./errors.js";

/** A node of any DAG trueup runs: streams, models, rule families, syncs. */
export interface DagNode {
  id: string;
  kind: string;
  /** Ids of the nodes this one reads. */
  upstream: string[];
  tags?: string[];
  /** For `source:<name>` selection: the source system a node belongs to. */
  source?: string;
}

export class Dag<N extends DagNode = DagNode> {
  readonly nodes: Map<string, N>;
  private readonly downstream = new Map<string, string[]>();

  constructor(nodes: readonly N[]) {
    this.nodes = new Map();
    for (const n of nodes) {
      if (this.nodes.has(n.id)) throw new ConfigError(`two nodes are named ${n.id}`);
      this.nodes.set(n.id, n);
    }
    for (const n of nodes) {
      for (const u of n.upstream) {
        if (!this.nodes.has(u)) throw new ConfigError(`${n.id} depends on ${u}, which does not exist`);
        const list = this.downstream.get(u) ?? [];
        list.push(n.id);
        this.downstream.set(u, list);
      }
    }
    this.order(); // throws on cycles
  }

  get(id: string): N {
    const n = this.nodes.get(id);
    if (!n) throw new ConfigError(`no node named ${id}`);
    return n;
  }

  children(id: string): string[] {
    return this.downstream.get(id) ?? [];
  }

  /** Topological order (Kahn), ties broken by id so the order is stable. */
  order(ids?: Iterable<string>): string[] {
    const subset = new Set(ids ?? this.nodes.keys());
    const indegree = new Map<string, number>();
    for (const id of subset) {
      indegree.set(id, this.get(id).upstream.filter((u) => subset.has(u)).length);
    }
    const ready = [...indegree]
      .filter(([, d]) => d === 0)
      .map(([id]) => id)
      .sort();
    const out: string[] = [];
    while (ready.length) {
      const id = ready.shift()!;
      out.push(id);
      for (const c of this.children(id)) {
        if (!subset.has(c)) continue;
        const d = indegree.get(c)! - 1;
        indegree.set(c, d);
        if (d === 0) {
          ready.push(c);
          ready.sort();
        }
      }
    }
    if (out.length !== subset.size) {
      const stuck = [...subset].filter((id) => !out.includes(id));
      throw new ConfigError(`the DAG has a cycle among: ${stuck.join(", ")}`);
    }
    return out;
  }

  ancestors(id: string): Set<string> {
    const seen = new Set<string>();
    const walk = (x: string) => {
      for (const u of this.get(x).upstream) {
        if (seen.has(u)) continue;
        seen.add(u);
        walk(u);
      }
    };
    walk(id);
    return seen;
  }

  descendants(id: string): Set<string> {
    const seen = new Set<string>();
    const walk = (x: string) => {
      for (const c of this.children(x)) {
        if (seen.has(c)) continue;
        seen.add(c);
        walk(c);
      }
    };
    walk(id);
    return seen;
  }
}
