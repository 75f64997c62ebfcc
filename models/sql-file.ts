import { z } from "zod";
import { LineCounter, isMap, isScalar, parseDocument, type Node as YamlNode } from "yaml";
import { ConfigError, errorMessage } from "../core/errors.js";
import type { ColumnDoc, ModelContext, ModelDefinition } from "./interfaces.js";

/**
 * SQL model files, the way dbt users write them: `models/<schema>/<name>.sql` holds one SELECT
 * and builds `<schema>.<name>` (a file directly in the models folder builds `analytics.<name>`).
 * `{{ ref('schema.name') }}` (with `columns=['a', 'b']` when the model reads only those columns
 * of it), `{{ source('system', 'stream') }}`, `{{ this }}` and `{{ as_of }}` are the only template
 * expressions, and `{% if is_incremental() %} … {% else %} … {% endif %}` the
 * only block: the SQL stays SQL, and every dependency is visible to the DAG. An optional leading
 * `/* trueup … *\/` block holds the model's metadata in YAML.
 */

export const DEFAULT_SQL_SCHEMA = "analytics";

/** Schemas trueup itself writes; a model there would be overwritten by (or overwrite) the pipeline. */
const RESERVED_SCHEMAS = new Set(["raw", "staging", "recon", "reverse", "trueup"]);
const IDENT = /^[a-z_][a-z0-9_]*$/;

const severity = z.enum(["error", "warn"]).optional();
const columnTest = z.union([
  z.enum(["unique", "not_null"]),
  z.strictObject({ unique: z.literal(true), severity }),
  z.strictObject({ not_null: z.literal(true), severity }),
  z.strictObject({
    accepted_values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    severity,
  }),
  z.strictObject({
    relationships: z.strictObject({ to: z.string().min(1), field: z.string().min(1) }),
    severity,
  }),
]);
const header = z.strictObject({
  materialized: z.enum(["view", "table", "incremental"]).default("view"),
  unique_key: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  tags: z.array(z.string().min(1)).optional(),
  description: z.string().optional(),
  columns: z
    .record(
      z.string(),
      z
        .strictObject({ description: z.string().optional(), tests: z.array(columnTest).optional() })
        .nullable(),
    )
    .optional(),
});

type Piece =
  | { text: string }
  | { ref: string; columns?: string[]; line: number }
  | { source: [string, string]; line: number }
  | { this: true }
  | { asOf: true }
  | { block: "if" | "else" | "endif"; line: number };

/** `{{ … }}` expressions. Anything else in braces is an error, never passed through to SQL. */
const EXPRESSION = /\{\{\s*(.*?)\s*\}\}|\{%-?\s*(.*?)\s*-?%\}/gs;
const BLOCKS: Record<string, "if" | "else" | "endif"> = {
  "if is_incremental()": "if",
  else: "else",
  endif: "endif",
};
const CALL = /^(ref|source)\s*\(\s*(.*?)\s*\)$/s;
const STRING_ARG = /^\s*(?:'([^']*)'|"([^"]*)")\s*(?:,|$)/;
/** `ref('schema.name', columns=['a', 'b'])`: the only columns the model reads of it. */
const COLUMNS_ARG = /,\s*columns\s*=\s*\[([^\]]*)\]\s*$/s;

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function stringArgs(args: string): string[] | undefined {
  const out: string[] = [];
  let rest = args.trim();
  while (rest.length) {
    const m = STRING_ARG.exec(rest);
    if (!m) return undefined;
    out.push(m[1] ?? m[2]!);
    rest = rest.slice(m[0].length).trim();
  }
  return out;
}

/**
 * The relation a file builds, from its path inside a models folder: `<name>.sql` builds
 * `analytics.<name>`, `<schema>/<name>.sql` builds `<schema>.<name>`.
 */
export function sqlModelRelation(relativePath: string, where: string): { schema: string; name: string } {
  const parts = relativePath.split(/[\\/]/);
  if (parts.length > 2) {
    throw new ConfigError(
      `${where}: a SQL model lives in models/<name>.sql or models/<schema>/<name>.sql, not deeper; move it up`,
    );
  }
  const name = parts.at(-1)!.replace(/\.sql$/, "");
  const schema = parts.length === 2 ? parts[0]! : DEFAULT_SQL_SCHEMA;
  for (const [what, value] of [
    ["file name", name],
    ["folder (schema) name", schema],
  ] as const) {
    if (!IDENT.test(value)) {
      throw new ConfigError(
        `${where}: the ${what} "${value}" is not a lower_snake_case identifier (it names the relation); rename it`,
      );
    }
  }
  if (RESERVED_SCHEMAS.has(schema)) {
    throw new ConfigError(
      `${where}: schema ${schema} is written by trueup itself; put the model in another folder (e.g. models/analytics/)`,
    );
  }
  return { schema, name };
}

/** The YAML node's line in the file, for an issue's path; the header's first line when not found. */
function issueLine(
  root: YamlNode | null,
  issuePath: readonly PropertyKey[],
  key: string | undefined,
  lines: LineCounter,
): number | undefined {
  let node: unknown = root;
  let at: number | undefined = (root as { range?: [number] } | null)?.range?.[0];
  for (const segment of key === undefined ? issuePath : [...issuePath, key]) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    if (!pair) break;
    at = (pair.key as { range?: [number] }).range?.[0] ?? at;
    node = pair.value;
  }
  return at === undefined ? undefined : lines.linePos(at).line;
}

function parseHeader(
  yamlText: string,
  where: string,
  firstLine: number,
): z.output<typeof header> & { present: boolean } {
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = firstLine + (lines.linePos(e.pos[0]).line - 1);
    throw new ConfigError(
      `${where}:${line}: the trueup header is not valid YAML: ${e.message.split("\n")[0]}`,
    );
  }
  const value: unknown = doc.toJS() ?? {};
  const parsed = header.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const badKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const rel = issueLine(doc.contents, issue.path, badKey, lines);
    const line = rel === undefined ? firstLine : firstLine + rel - 1;
    const keyPath = [...issue.path, ...(badKey === undefined ? [] : [badKey])].map(String).join(".");
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown key ${keyPath} (the header takes materialized, unique_key, tags, description, columns; a column takes description, tests)`
        : `${keyPath || "header"}: ${issue.message}`;
    throw new ConfigError(`${where}:${line}: ${message}`);
  }
  return { ...parsed.data, present: true };
}

/**
 * Parses one SQL model file into a model definition. `where` is how errors name the file
 * (a path relative to the project). Unknown refs are reported when the model is compiled, also
 * with the file and line.
 */
export function parseSqlModel(text: string, relation: { schema: string; name: string }, where: string) {
  let body = text.replace(/^\uFEFF/, "");
  let bodyOffset = 0;
  let meta: (z.output<typeof header> & { present: boolean }) | undefined;
  const head = /^\s*\/\*\s*trueup\b/.exec(body);
  if (head) {
    const end = body.indexOf("*/", head[0].length);
    if (end < 0) {
      throw new ConfigError(
        `${where}:${lineAt(body, head[0].length)}: the /* trueup … */ header is not closed; end it with */`,
      );
    }
    const yamlStart = head[0].length;
    meta = parseHeader(body.slice(yamlStart, end), where, lineAt(body, yamlStart));
    bodyOffset = end + 2;
  }
  const full = body;
  body = body.slice(bodyOffset);

  // The SELECT, with comments and quoted text blanked (same length, so offsets hold), must be
  // one statement.
  const blank = (m: string) => m.replace(/[^\n]/g, " ");
  const code = body.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (m) =>
    m.startsWith("'") || m.startsWith('"') ? m[0] + blank(m.slice(1, -1)) + m[0] : blank(m),
  );
  const start = code.search(/\S/);
  const statement = code.trim().replace(/;\s*$/, "");
  if (!/^(select|with)\b/i.test(statement)) {
    throw new ConfigError(
      `${where}:${lineAt(full, bodyOffset + (start < 0 ? body.length : start))}: a SQL model file holds one SELECT (or WITH … SELECT)${statement ? "" : ", and this one is empty"}`,
    );
  }
  if (statement.includes(";")) {
    throw new ConfigError(
      `${where}:${lineAt(full, bodyOffset + code.indexOf(";"))}: a SQL model file holds one statement; remove everything after the ';'`,
    );
  }
  // Drop a trailing semicolon (the SELECT is wrapped in CREATE … AS).
  const semi = code.lastIndexOf(";");
  if (semi >= 0) body = body.slice(0, semi) + blank(body.slice(semi));

  const pieces: Piece[] = [];
  const refs: string[] = [];
  const sources: [string, string][] = [];
  let last = 0;
  // Expressions in SQL comments are left alone (a comment may well show how to write a ref);
  // in quoted text they are replaced, as dbt does.
  const uncommented = body.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'/g, (m) =>
    m.startsWith("'") ? m : blank(m),
  );
  for (const m of uncommented.matchAll(EXPRESSION)) {
    const line = lineAt(full, bodyOffset + m.index);
    pieces.push({ text: body.slice(last, m.index) });
    last = m.index + m[0].length;
    if (m[2] !== undefined) {
      const block = BLOCKS[m[2].replace(/\s+/g, " ").replace(/\( \)/, "()")];
      const open = pieces.findLast((p) => "block" in p && p.block !== "else");
      const inside = open !== undefined && "block" in open && open.block === "if";
      const inElse = inside && pieces.some((p) => "block" in p && p.block === "else" && p.line >= open.line);
      const problem = !block
        ? `{% ${m[2]} %} is not understood; the one block is {% if is_incremental() %} … {% else %} … {% endif %}`
        : block === "if" && inside
          ? "{% if is_incremental() %} blocks do not nest; close the first with {% endif %}"
          : block !== "if" && !inside
            ? `{% ${block} %} without {% if is_incremental() %} before it`
            : block === "else" && inElse
              ? "a second {% else %} in one {% if is_incremental() %} block"
              : undefined;
      if (problem) throw new ConfigError(`${where}:${line}: ${problem}`);
      pieces.push({ block: block!, line });
      continue;
    }
    const expr = m[1]!;
    const call = CALL.exec(expr);
    const named = call?.[1] === "ref" ? COLUMNS_ARG.exec(call[2]!) : null;
    const args = call ? stringArgs(named ? call[2]!.slice(0, named.index) : call[2]!) : undefined;
    const columns = named ? stringArgs(named[1]!) : undefined;
    if (named && (!columns?.length || !columns.every((c) => IDENT.test(c)))) {
      throw new ConfigError(
        `${where}:${line}: {{ ${expr} }}: columns= takes a list of quoted lower-case column names, such as columns=['customer_id', 'entity']`,
      );
    }
    if (call?.[1] === "ref" && args?.length === 1) {
      pieces.push({ ref: args[0]!, line, ...(columns ? { columns } : {}) });
      refs.push(args[0]!);
    } else if (call?.[1] === "source" && args?.length === 2) {
      pieces.push({ source: [args[0]!, args[1]!], line });
      sources.push([args[0]!, args[1]!]);
    } else if (expr === "this") pieces.push({ this: true });
    else if (expr === "as_of") pieces.push({ asOf: true });
    else {
      throw new ConfigError(
        `${where}:${line}: {{ ${expr} }} is not understood; write {{ ref('schema.name') }}, {{ source('system', 'stream') }}, {{ this }} or {{ as_of }}`,
      );
    }
  }
  pieces.push({ text: body.slice(last) });
  const unclosed = pieces.findLast((p) => "block" in p && p.block !== "else");
  if (unclosed && "block" in unclosed && unclosed.block === "if") {
    throw new ConfigError(
      `${where}:${unclosed.line}: {% if is_incremental() %} is not closed; end it with {% endif %}`,
    );
  }

  const columns: Record<string, ColumnDoc> | undefined = meta?.columns
    ? Object.fromEntries(
        Object.entries(meta.columns).map(([c, doc]) => [
          c,
          { description: doc?.description ?? "", tests: doc?.tests },
        ]),
      )
    : undefined;
  const uniqueKey = meta?.unique_key === undefined ? undefined : [meta.unique_key].flat();
  const materialized = meta?.materialized ?? "view";
  if (materialized === "incremental" && !uniqueKey) {
    throw new ConfigError(`${where}: an incremental model needs unique_key in its /* trueup … */ header`);
  }
  const render = (ctx: ModelContext) => {
    // Text in the branch that does not apply is dropped, but its ref()s and source()s are still
    // resolved: the DAG's edges are the same whichever way the model is built.
    let keep = true;
    return (
      pieces
        .map((p) => {
          if ("block" in p) {
            keep = p.block === "endif" || (p.block === "if" ? ctx.isIncremental : !ctx.isIncremental);
            return "";
          }
          if ("text" in p) return keep ? p.text : "";
          if ("this" in p) return keep ? ctx.this : "";
          if ("asOf" in p) return keep ? ctx.d.timestamp(ctx.asOf) : "";
          try {
            const relation =
              "ref" in p
                ? ctx.ref(p.ref, p.columns ? { columns: p.columns } : undefined)
                : ctx.source(p.source[0], p.source[1]);
            return keep ? relation : "";
          } catch (err) {
            throw new ConfigError(`${where}:${p.line}: ${errorMessage(err)}`, { cause: err });
          }
        })
        .join("")
        // A trailing line comment must not swallow what the caller writes after the SELECT.
        .concat("\n")
    );
  };
  const def: ModelDefinition = {
    name: relation.name,
    schema: relation.schema,
    materialized,
    uniqueKey,
    tags: meta?.tags,
    description: meta?.description ?? `SQL model ${where}.`,
    columns,
    sql: render,
    file: where,
  };
  return { definition: def, refs, sources };
}
