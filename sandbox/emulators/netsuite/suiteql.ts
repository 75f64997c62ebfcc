/**
 * The SuiteQL subset extractors use:
 *   SELECT * | col [AS alias] | TO_CHAR(col, 'fmt') AS alias, … FROM table [WHERE cond] [ORDER BY col [ASC|DESC], …]
 * with AND / OR / NOT, parentheses, = <> != < <= > >=, IN (…), IS [NOT] NULL, string and number
 * literals, TO_DATE('…', 'YYYY-MM-DD') and TO_TIMESTAMP('…', 'YYYY-MM-DD HH24:MI:SS').
 */
export class SuiteQlError extends Error {}

type Value = string | number | null;
export type Expr =
  { kind: "col"; name: string } | { kind: "lit"; value: Value } | { kind: "fn"; name: string; args: Expr[] };
export type Cond =
  | { op: "and" | "or"; left: Cond; right: Cond }
  | { op: "not"; inner: Cond }
  | { op: "cmp"; left: Expr; cmp: string; right: Expr }
  | { op: "in"; left: Expr; values: Expr[]; negate: boolean }
  | { op: "null"; left: Expr; negate: boolean };

export interface SuiteQlQuery {
  star: boolean;
  columns: { expr: Expr; alias: string }[];
  table: string;
  where?: Cond;
  orderBy: { expr: Expr; desc: boolean }[];
}

const TOKEN =
  /\s*(?:('(?:[^']|'')*')|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(!=|<>|<=|>=|=|<|>|\(|\)|,|\*))/y;

export function parseSuiteQl(q: string): SuiteQlQuery {
  const toks: { kind: string; text: string }[] = [];
  let pos = 0;
  while (pos < q.length && !/^\s*;?\s*$/.test(q.slice(pos))) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(q);
    if (!m)
      throw new SuiteQlError(
        `Invalid search query. Unexpected input near '${q.slice(pos, pos + 20).trim()}'.`,
      );
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) toks.push({ kind: "str", text: m[1].slice(1, -1).replace(/''/g, "'") });
    else if (m[2] !== undefined) toks.push({ kind: "num", text: m[2] });
    else if (m[3] !== undefined) toks.push({ kind: "word", text: m[3] });
    else toks.push({ kind: "sym", text: m[4]! });
  }
  let i = 0;
  const peek = () => toks[i];
  const isWord = (w: string) => peek()?.kind === "word" && peek()!.text.toUpperCase() === w;
  const expectWord = (w: string) => {
    if (!isWord(w))
      throw new SuiteQlError(`Invalid search query. Expected ${w} near '${peek()?.text ?? "end"}'.`);
    i++;
  };
  const expectSym = (s: string) => {
    if (peek()?.text !== s)
      throw new SuiteQlError(`Invalid search query. Expected '${s}' near '${peek()?.text ?? "end"}'.`);
    i++;
  };
  const expr = (): Expr => {
    const t = peek();
    if (!t) throw new SuiteQlError("Invalid search query. Unexpected end.");
    i++;
    if (t.kind === "str") return { kind: "lit", value: t.text };
    if (t.kind === "num") return { kind: "lit", value: Number(t.text) };
    if (t.kind === "word") {
      if (t.text.toUpperCase() === "NULL") return { kind: "lit", value: null };
      if (peek()?.text === "(") {
        i++;
        const args: Expr[] = [];
        if (peek()?.text !== ")") {
          args.push(expr());
          while (peek()?.text === ",") {
            i++;
            args.push(expr());
          }
        }
        expectSym(")");
        return { kind: "fn", name: t.text.toUpperCase(), args };
      }
      return { kind: "col", name: t.text.toLowerCase() };
    }
    throw new SuiteQlError(`Invalid search query. Unexpected '${t.text}'.`);
  };
  const primary = (): Cond => {
    if (peek()?.text === "(") {
      // A parenthesised condition (an expression never starts with '(' in this subset).
      i++;
      const c = or();
      expectSym(")");
      return c;
    }
    if (isWord("NOT")) {
      i++;
      return { op: "not", inner: primary() };
    }
    const left = expr();
    if (isWord("IS")) {
      i++;
      let negate = false;
      if (isWord("NOT")) {
        i++;
        negate = true;
      }
      expectWord("NULL");
      return { op: "null", left, negate };
    }
    let negate = false;
    if (isWord("NOT")) {
      i++;
      negate = true;
    }
    if (isWord("IN")) {
      i++;
      expectSym("(");
      const values = [expr()];
      while (peek()?.text === ",") {
        i++;
        values.push(expr());
      }
      expectSym(")");
      return { op: "in", left, values, negate };
    }
    const op = peek();
    if (op?.kind !== "sym" || !["=", "!=", "<>", "<", "<=", ">", ">="].includes(op.text))
      throw new SuiteQlError(`Invalid search query. Expected a comparison near '${op?.text ?? "end"}'.`);
    i++;
    return { op: "cmp", left, cmp: op.text === "<>" ? "!=" : op.text, right: expr() };
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
  expectWord("SELECT");
  let star = false;
  const columns: SuiteQlQuery["columns"] = [];
  if (peek()?.text === "*") {
    i++;
    star = true;
  }
  // `table.*, TO_CHAR(…) AS x`: every column plus computed ones (Oracle needs the table prefix).
  if (peek()?.kind === "word" && peek()!.text.endsWith(".") && toks[i + 1]?.text === "*") {
    i += 2;
    star = true;
    if (peek()?.text === ",") i++;
  }
  if (!star || (peek() && !isWord("FROM"))) {
    do {
      if (peek()?.text === ",") i++;
      const e = expr();
      let alias = e.kind === "col" ? e.name : `expr${columns.length + 1}`;
      if (isWord("AS")) {
        i++;
        alias = peek()!.text.toLowerCase();
        i++;
      }
      columns.push({ expr: e, alias });
    } while (peek()?.text === ",");
  }
  expectWord("FROM");
  const table = peek()?.text.toLowerCase();
  if (!table) throw new SuiteQlError("Invalid search query. Missing table.");
  i++;
  let where: Cond | undefined;
  if (isWord("WHERE")) {
    i++;
    where = or();
  }
  const orderBy: SuiteQlQuery["orderBy"] = [];
  if (isWord("ORDER")) {
    i++;
    expectWord("BY");
    do {
      if (peek()?.text === ",") i++;
      const e = expr();
      let desc = false;
      if (isWord("ASC")) i++;
      else if (isWord("DESC")) {
        i++;
        desc = true;
      }
      orderBy.push({ expr: e, desc });
    } while (peek()?.text === ",");
  }
  if (i < toks.length) throw new SuiteQlError(`Invalid search query. Unexpected '${toks[i]!.text}'.`);
  return { star, columns, table, where, orderBy };
}
