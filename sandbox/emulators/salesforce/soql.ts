/**
 * The SOQL subset incremental pulls and reverse ETL use:
 *   SELECT COUNT() | f1, f2 FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n]
 * with AND / OR / NOT, parentheses, = != <> < <= > >=, IN / NOT IN, and string, number, boolean,
 * null, date and datetime literals. Anything else is a MALFORMED_QUERY, as Salesforce would say.
 */
export class SoqlError extends Error {
  constructor(
    message: string,
    readonly code: "MALFORMED_QUERY" | "INVALID_FIELD" | "INVALID_TYPE" = "MALFORMED_QUERY",
  ) {
    super(message);
  }
}

type Literal = string | number | boolean | null | { date: number };
export type Cond =
  | { op: "and" | "or"; left: Cond; right: Cond }
  | { op: "not"; inner: Cond }
  | { op: "cmp"; field: string; cmp: string; value: Literal }
  | { op: "in"; field: string; values: Literal[]; negate: boolean };

export interface SoqlQuery {
  count: boolean;
  fields: string[];
  object: string;
  where?: Cond;
  orderBy: { field: string; desc: boolean; nullsLast: boolean }[];
  limit?: number;
}

const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*')|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))|(\d{4}-\d{2}-\d{2})(?![\dT])|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(!=|<>|<=|>=|=|<|>|\(|\)|,))/y;

type Tok = { kind: "str" | "dt" | "date" | "num" | "word" | "sym"; text: string };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < q.length) {
    if (/^\s*$/.test(q.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(q);
    if (!m) throw new SoqlError(`unexpected token at position ${pos}: ${q.slice(pos, pos + 20)}`);
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) out.push({ kind: "str", text: m[1].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (m[2] !== undefined) out.push({ kind: "dt", text: m[2] });
    else if (m[3] !== undefined) out.push({ kind: "date", text: m[3] });
    else if (m[4] !== undefined) out.push({ kind: "num", text: m[4] });
    else if (m[5] !== undefined) out.push({ kind: "word", text: m[5] });
    else out.push({ kind: "sym", text: m[6]! });
  }
  return out;
}

export function parseSoql(q: string): SoqlQuery {
  const t = tokenize(q);
  let i = 0;
  const peek = () => t[i];
  const isWord = (w: string) => peek()?.kind === "word" && peek()!.text.toUpperCase() === w;
  const expectWord = (w: string) => {
    if (!isWord(w))
      throw new SoqlError(`expected ${w} at token ${i + 1}${peek() ? ` near '${peek()!.text}'` : ""}`);
    i++;
  };
  const expectSym = (s: string) => {
    if (peek()?.text !== s) throw new SoqlError(`expected '${s}' near '${peek()?.text ?? "end"}'`);
    i++;
  };
  const field = () => {
    const tok = peek();
    if (tok?.kind !== "word") throw new SoqlError(`expected a field name near '${tok?.text ?? "end"}'`);
    i++;
    return tok.text;
  };
  expectWord("SELECT");
  let count = false;
  const fields: string[] = [];
  if (isWord("COUNT") && t[i + 1]?.text === "(") {
    i += 2;
    expectSym(")");
    count = true;
  } else {
    fields.push(field());
    while (peek()?.text === ",") {
      i++;
      fields.push(field());
    }
  }
  expectWord("FROM");
  const object = field();
  const literal = (): Literal => {
    const tok = peek();
    if (!tok) throw new SoqlError("expected a value");
    i++;
    if (tok.kind === "str") return tok.text;
    if (tok.kind === "num") return Number(tok.text);
    if (tok.kind === "dt" || tok.kind === "date")
      return {
        date: Date.parse(
          tok.kind === "date" ? `${tok.text}T00:00:00Z` : tok.text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"),
        ),
      };
    if (tok.kind === "word") {
      const w = tok.text.toLowerCase();
      if (w === "true") return true;
      if (w === "false") return false;
      if (w === "null") return null;
    }
    throw new SoqlError(`unexpected '${tok.text}' where a value belongs`);
  };
  const primary = (): Cond => {
    if (peek()?.text === "(") {
      i++;
      const c = or();
      expectSym(")");
      return c;
    }
    if (isWord("NOT")) {
      i++;
      return { op: "not", inner: primary() };
    }
    const f = field();
    let negate = false;
    if (isWord("NOT")) {
      i++;
      negate = true;
    }
    if (isWord("IN")) {
      i++;
      expectSym("(");
      const values = [literal()];
      while (peek()?.text === ",") {
        i++;
        values.push(literal());
      }
      expectSym(")");
      return { op: "in", field: f, values, negate };
    }
    if (negate) throw new SoqlError("expected IN after NOT");
    const op = peek();
    if (op?.kind !== "sym" || !["=", "!=", "<>", "<", "<=", ">", ">="].includes(op.text))
      throw new SoqlError(`expected a comparison after ${f}`);
    i++;
    return { op: "cmp", field: f, cmp: op.text === "<>" ? "!=" : op.text, value: literal() };
  };
  const and = (): Cond => {
    let c = primary();
    while (isWord("AND")) {
      i++;
      c = { op: "and", left: c, right: primary() };
    }
    return c;
  };
  const or = (): Cond => {
    let c = and();
    while (isWord("OR")) {
      i++;
      c = { op: "or", left: c, right: and() };
    }
    return c;
  };
  let where: Cond | undefined;
  if (isWord("WHERE")) {
    i++;
    where = or();
  }
  const orderBy: SoqlQuery["orderBy"] = [];
  if (isWord("ORDER")) {
    i++;
    expectWord("BY");
    do {
      if (peek()?.text === ",") i++;
      const f = field();
      let desc = false;
      if (isWord("ASC")) i++;
      else if (isWord("DESC")) {
        i++;
        desc = true;
      }
      let nullsLast = desc;
      if (isWord("NULLS")) {
        i++;
        if (isWord("FIRST")) nullsLast = false;
        else if (isWord("LAST")) nullsLast = true;
        else throw new SoqlError("expected FIRST or LAST after NULLS");
        i++;
      }
      orderBy.push({ field: f, desc, nullsLast });
    } while (peek()?.text === ",");
  }
  let limit: number | undefined;
  if (isWord("LIMIT")) {
    i++;
    const n = literal();
    if (typeof n !== "number" || n < 0) throw new SoqlError("LIMIT takes a non-negative integer");
    limit = n;
  }
  if (i < t.length) throw new SoqlError(`unexpected token '${t[i]!.text}'`);
  return { count, fields, object, where, orderBy, limit };
}

const SF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

/** A record value as a comparable: datetimes and dates as epoch ms, the rest as is. */
function comparable(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" && SF_DATETIME.test(v))
    return Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(`${v}T00:00:00Z`);
  return v as string | number | boolean;
}

function lit(v: Literal): string | number | boolean | null {
  return v !== null && typeof v === "object" ? v.date : v;
}

export function compare(a: unknown, b: unknown): number {
  const x = comparable(a);
  const y = comparable(b);
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

export function matches(c: Cond | undefined, r: Record<string, unknown>): boolean {
  if (!c) return true;
  switch (c.op) {
    case "and":
      return matches(c.left, r) && matches(c.right, r);
    case "or":
      return matches(c.left, r) || matches(c.right, r);
    case "not":
      return !matches(c.inner, r);
    case "in": {
      const v = comparable(r[c.field]);
      const hit = c.values.some((x) => lit(x) === v);
      return c.negate ? !hit : hit;
    }
    case "cmp": {
      const v = comparable(r[c.field]);
      const w = lit(c.value);
      if (c.cmp === "=") return v === w;
      if (c.cmp === "!=") return v !== w;
      if (v === null || w === null) return false;
      if (c.cmp === "<") return v < w;
      if (c.cmp === "<=") return v <= w;
      if (c.cmp === ">") return v > w;
      return v >= w;
    }
  }
}

/**
 * SOQL names are case-insensitive (`select id from account`); records come back under the
 * names describe gives. Unknown fields are INVALID_FIELD, as Salesforce reports them.
 */
export function canonicalFields(q: SoqlQuery, known: readonly string[]): SoqlQuery {
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const name = (f: string): string => {
    const k = byLower.get(f.toLowerCase());
    if (!k) throw new SoqlError(`No such column '${f}' on entity '${q.object}'.`, "INVALID_FIELD");
    return k;
  };
  const cond = (c: Cond | undefined): Cond | undefined => {
    if (!c) return undefined;
    switch (c.op) {
      case "and":
      case "or":
        return { ...c, left: cond(c.left)!, right: cond(c.right)! };
      case "not":
        return { ...c, inner: cond(c.inner)! };
      default:
        return { ...c, field: name(c.field) };
    }
  };
  return {
    ...q,
    fields: q.fields.map(name),
    where: cond(q.where),
    orderBy: q.orderBy.map((o) => ({ ...o, field: name(o.field) })),
  };
}
