import { createHash, randomUUID } from "node:crypto";
import { tableName } from "../load/naming.js";
import type { ColumnSpec, Warehouse, WarehouseSession } from "../warehouse/interfaces.js";
import { modelStatements } from "../warehouse/statements/models.js";
import { sqlDialect } from "./dialects.js";

/**
 * What a model or a rule family saw when it last built: `trueup.node_state`, one row per node.
 * A node whose definition hash and inputs are the same as recorded is up to date and is not
 * rebuilt ("skipped: inputs unchanged").
 *
 * An input is a staging table (`source:<source>.<stream>`: its row count and latest
 * `_trueup_loaded_at`, which every load that inserts or changes a row moves, and every delete
 * lowers the count of) or an upstream model (`model:<schema>.<name>`: that model's output key,
 * and for a model read only in part the checksum of the columns read).
 * A table's output key is new at every build, so a rebuilt upstream always counts as changed; a
 * view's output key is the hash of its definition and inputs (it stores nothing of its own).
 */
export const NODE_STATE = { schema: "trueup", name: "node_state" } as const;

const COLUMNS: ColumnSpec[] = [
  {
    name: "node",
    type: "text",
    nullable: false,
    description: "Model (schema.name) or rule family (recon.<family>).",
  },
  {
    name: "definition_hash",
    type: "text",
    nullable: false,
    description: "Hash of the compiled SQL, tests and metadata it was built from.",
  },
  {
    name: "inputs",
    type: "text",
    nullable: false,
    description: "JSON: each input (staging table or model) and the fingerprint it had.",
  },
  {
    name: "output_key",
    type: "text",
    nullable: false,
    description: "Changes whenever the node's output may have changed; downstream nodes record it.",
  },
  {
    name: "outcome",
    type: "text",
    description: "JSON: what the build reported (rows, tests, counts), repeated when it is skipped.",
  },
  { name: "run_id", type: "text", description: "Run that built it." },
  { name: "built_at", type: "text", description: "When it was built (ISO 8601)." },
];

export type Inputs = Record<string, string>;

export interface NodeState {
  node: string;
  definitionHash: string;
  inputs: Inputs;
  outputKey: string;
  outcome: unknown;
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** A fresh output key: a table's rows were (or may have been) rewritten. */
export function newOutputKey(): string {
  return randomUUID();
}

const ensured = new WeakSet<object>();

/** Creates trueup.node_state when missing, under the warehouse-wide DDL lock, in a short transaction. */
export async function ensureNodeState(wh: Warehouse): Promise<void> {
  if (ensured.has(wh)) return;
  if (!(await wh.tableExists(NODE_STATE))) {
    await wh.transaction(async (tx) => {
      await tx.lockForTransaction("ddl");
      await tx.ensureSchema(NODE_STATE.schema);
      await tx.ensureTable(NODE_STATE, COLUMNS, {
        primaryKey: ["node"],
        description:
          "What each model and rule family saw when it last built (definition hash, inputs' fingerprints): an up-to-date node is not rebuilt.",
      });
    });
  }
  ensured.add(wh);
}

export async function readNodeStates(
  db: WarehouseSession,
  nodes: readonly string[],
): Promise<Map<string, NodeState>> {
  const out = new Map<string, NodeState>();
  if (!nodes.length) return out;
  const q = (c: string) => db.quoteIdent(c);
  const list = nodes.map((n) => sqlDialect(db.dialect).literal(n)).join(", ");
  const rows = await db.query<Record<string, string | null>>(
    `SELECT ${["node", "definition_hash", "inputs", "output_key", "outcome"].map((c) => `${q(c)} AS ${q(c)}`).join(", ")}
       FROM ${db.quoteTable(NODE_STATE)} WHERE ${q("node")} IN (${list})`,
  );
  for (const r of rows) {
    out.set(r.node!, {
      node: r.node!,
      definitionHash: r.definition_hash!,
      inputs: JSON.parse(r.inputs!) as Inputs,
      outputKey: r.output_key!,
      outcome: r.outcome == null ? undefined : JSON.parse(r.outcome),
    });
  }
  return out;
}

/** Forgets a node's state: written before a build, so a build that stops half way is redone. */
export async function clearNodeState(db: WarehouseSession, node: string): Promise<void> {
  await db.query(`DELETE FROM ${db.quoteTable(NODE_STATE)} WHERE ${db.quoteIdent("node")} = $1`, [node]);
}

export async function writeNodeState(
  db: WarehouseSession,
  state: NodeState,
  runId: string | undefined,
): Promise<void> {
  const q = (c: string) => db.quoteIdent(c);
  await clearNodeState(db, state.node);
  await db.query(
    `INSERT INTO ${db.quoteTable(NODE_STATE)} (${["node", "definition_hash", "inputs", "output_key", "outcome", "run_id", "built_at"].map(q).join(", ")})
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      state.node,
      state.definitionHash,
      JSON.stringify(state.inputs),
      state.outputKey,
      state.outcome === undefined ? null : JSON.stringify(state.outcome),
      runId ?? null,
      new Date().toISOString(),
    ],
  );
}

/** Load metadata: a row re-read unchanged gets new values here, so they are left out of its checksum. */
const LOAD_METADATA = new Set(["_trueup_loaded_at", "_trueup_run_id", "_trueup_position"]);

/** Content checksums this process computed, by table and cheap fingerprint. */
const checksums = new Map<string, { cheap: string; full: string }>();

/**
 * A staging table's fingerprint, `<cheap>; <checksum>`. The cheap part is its row count and
 * latest `_trueup_loaded_at` (a load stamps every row it inserts or changes, and leaves a row it
 * would not change as it was; a delete lowers the count): when it is the one recorded, nothing
 * was loaded since. When it moved, the content
 * checksum (row count and a hash of every row's values but the load metadata) says whether what
 * was loaded changed anything: a record re-read unchanged (an API's look-back window, a
 * re-exported file) does not. An absent stream (a source switched off, not loaded yet) is
 * `absent`; a table trueup did not load (no `_trueup_loaded_at`) is `unknown`, which never
 * matches. Asked on the pool, not in a transaction (a failed query would abort it).
 */
export async function stagingFingerprint(
  db: Warehouse,
  s: { source: string; stream: string; absent: boolean },
  recorded?: string,
): Promise<string> {
  const table = { schema: "staging", name: tableName(s.source, s.stream) };
  if (s.absent || !(await db.tableExists(table))) return "absent";
  const d = sqlDialect(db.dialect);
  const rel = db.quoteTable(table);
  const rows = await db
    .query<{ n: string | number; at: string | null }>(
      `SELECT count(*) AS ${db.quoteIdent("n")}, ${d.cast(`max(${db.quoteIdent("_trueup_loaded_at")})`, "text")} AS ${db.quoteIdent("at")} FROM ${rel}`,
    )
    .catch(() => undefined);
  if (!rows?.[0]) return "unknown";
  const cheap = `${String(rows[0].n)} rows, latest ${rows[0].at ?? "none"}`;
  if (recorded?.startsWith(`${cheap}; `)) return recorded;
  const cacheKey = `${db.displayUrl} ${rel}`;
  const cached = checksums.get(cacheKey);
  if (cached?.cheap === cheap) return cached.full;
  const columns = (await db.columns(table))
    .filter((c) => !LOAD_METADATA.has(c.name))
    .map((c) => db.quoteIdent(c.name));
  const [sum] = await db.query<{ n: string | number; checksum: string }>(
    modelStatements(db).contentChecksum(rel, columns),
  );
  const full = `${cheap}; ${String(sum!.n)} rows, checksum ${sum!.checksum}`;
  checksums.set(cacheKey, { cheap, full });
  return full;
}

/**
 * The output key of a view over staging: its definition and a checksum of the rows it returns.
 * A load that changes nothing the view selects (a sync's write-back to a field it does not read,
 * a re-read of unchanged records) then leaves the key as it was, and nothing downstream rebuilds.
 * One read of the view, only when its inputs moved (a skipped view keeps its key).
 */
export async function viewContentKey(
  db: Warehouse,
  relation: { schema: string; name: string },
  definitionHash: string,
): Promise<string> {
  const { rows, checksum } = await contentChecksum(db, relation);
  return hashOf({ definitionHash, rows, checksum });
}

/**
 * The row count and an order-independent checksum of every row of `relation` (columns named in
 * `exclude` left out): equal for two relations holding the same rows, value for value.
 */
export async function contentChecksum(
  db: Warehouse,
  relation: { schema: string; name: string },
  exclude: readonly string[] = [],
): Promise<{ rows: string; checksum: string }> {
  const columns = (await db.columns(relation))
    .filter((c) => !exclude.includes(c.name))
    .map((c) => db.quoteIdent(c.name));
  const [sum] = await db.query<{ n: string | number; checksum: string }>(
    modelStatements(db).contentChecksum(db.quoteTable(relation), columns),
  );
  return { rows: String(sum!.n), checksum: String(sum!.checksum) };
}

/** What a node's outcome records of its last full build or verification. */
export interface Verified {
  /** When the node was last built in full or verified against a full rebuild (ISO time). */
  verifiedAt?: string;
}

/**
 * True when a node that could be skipped is due for its periodic full verification: it was
 * last built in full or verified `everyHours` ago or more (or never, as far as its state says).
 */
export function verificationDue(previous: NodeState, everyHours: number, now = Date.now()): boolean {
  const at = (previous.outcome as Verified | null)?.verifiedAt;
  return !at || now - Date.parse(at) >= everyHours * 3_600_000;
}

/**
 * The inputs' fingerprints: staging tables read, and upstream models' output keys (with a
 * checksum of the columns read, for a model read only in part). `recorded` (the node's last
 * state) spares the checksum of a table nothing was loaded into since, and of an upstream not
 * rebuilt since.
 */
export async function inputFingerprints(
  db: Warehouse,
  inputs: {
    sources: readonly { source: string; stream: string; absent: boolean }[];
    models: readonly string[];
    /** Upstream models read only in part: their columns (see `RefOptions.columns`). */
    columns?: Readonly<Record<string, readonly string[]>>;
  },
  recorded?: Inputs,
): Promise<Inputs> {
  const out: Inputs = {};
  for (const s of inputs.sources) {
    const key = `source:${s.source}.${s.stream}`;
    out[key] = await stagingFingerprint(db, s, recorded?.[key]);
  }
  const states = await readNodeStates(db, inputs.models);
  for (const m of inputs.models) {
    const key = `model:${m}`;
    const outputKey = states.get(m)?.outputKey ?? "unknown";
    const columns = inputs.columns?.[m];
    out[key] =
      columns && outputKey !== "unknown"
        ? await columnsFingerprint(db, m, outputKey, columns, recorded?.[key])
        : outputKey;
  }
  return out;
}

/** Projection checksums this process computed, by relation, output key and columns. */
const projections = new Map<string, string>();

/**
 * The fingerprint of the columns a node reads of an upstream model, `<output key>; <checksum>`:
 * when the upstream was rebuilt (a new output key) the checksum of those columns' values says
 * whether anything the node reads changed. A column the upstream no longer has is `unknown`, so
 * the node is rebuilt (and its SQL fails there, naming the column).
 */
async function columnsFingerprint(
  db: Warehouse,
  id: string,
  outputKey: string,
  columns: readonly string[],
  recorded?: string,
): Promise<string> {
  if (recorded?.startsWith(`${outputKey}; `)) return recorded;
  const cacheKey = `${db.displayUrl} ${id} ${outputKey} ${columns.join(",")}`;
  const cached = projections.get(cacheKey);
  if (cached) return cached;
  const dot = id.indexOf(".");
  const relation = { schema: id.slice(0, dot), name: id.slice(dot + 1) };
  const have = (await db.columns(relation)).map((c) => c.name);
  if (!columns.every((c) => have.includes(c))) return "unknown";
  const sum = await contentChecksum(
    db,
    relation,
    have.filter((c) => !columns.includes(c)),
  );
  const full = `${outputKey}; columns ${columns.join(", ")}: ${sum.rows} rows, checksum ${sum.checksum}`;
  projections.set(cacheKey, full);
  return full;
}

/**
 * The node's inputs now and, when skipping is allowed, its definition and inputs are those
 * recorded and (for a model) its relation is still there, its recorded state (brought up to date
 * where a staging table was loaded with nothing new). Otherwise the recorded state is forgotten
 * before the node runs, so a build that stops half way is redone next time.
 */
export async function checkNodeState(
  wh: Warehouse,
  now: { node: string; definitionHash: string },
  fingerprint: (recorded?: Inputs) => Promise<Inputs>,
  options: { skip: boolean; stillThere?: () => Promise<boolean>; runId?: string },
): Promise<{ inputs: Inputs; previous?: NodeState }> {
  const recorded = options.skip ? (await readNodeStates(wh, [now.node])).get(now.node) : undefined;
  const same = recorded?.definitionHash === now.definitionHash ? recorded : undefined;
  const inputs = await fingerprint(same?.inputs);
  if (same && sameInputs(same.inputs, inputs) && (!options.stillThere || (await options.stillThere()))) {
    if (JSON.stringify(same.inputs) !== JSON.stringify(inputs))
      await writeNodeState(wh, { ...same, inputs }, options.runId);
    return { inputs, previous: same };
  }
  await clearNodeState(wh, now.node);
  return { inputs };
}

/** True when every input has the fingerprint recorded (none unknown, none added or gone). */
export function sameInputs(recorded: Inputs, now: Inputs): boolean {
  const a = Object.keys(recorded).sort();
  const b = Object.keys(now).sort();
  if (a.length !== b.length || a.some((k, i) => k !== b[i])) return false;
  // A staging table's checksum decides, and so does the checksum of the columns read of a model
  // read in part; their cheap part (when the table was last loaded, the model's output key) may move.
  const content = (v: string | undefined) => v?.slice(v.indexOf("; ") + 1);
  return b.every((k) => now[k] !== "unknown" && content(recorded[k]) === content(now[k]));
}
