/** Dotted paths into JSON values, and the `{parent.x}` / `{incremental.start}` placeholders of a resource. */

export type Json = Record<string, unknown>;

/** The value at `a.b.c` (array indices as numbers: `items.0.id`), or undefined. */
export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}

/** A copy of `obj` with `a.b.c` set to `value` (objects on the way are copied, or created). */
export function setPath(obj: Json | undefined, path: string, value: unknown): Json {
  const [head, ...rest] = path.split(".") as [string, ...string[]];
  const out: Json = { ...obj };
  if (!rest.length) out[head] = value;
  else {
    const inner = out[head];
    out[head] = setPath(
      inner && typeof inner === "object" && !Array.isArray(inner) ? (inner as Json) : undefined,
      rest.join("."),
      value,
    );
  }
  return out;
}

/** Values the placeholders of a request resolve to: `{parent.id}`, `{incremental.start}`. */
export type Bindings = { parent?: Json; incremental?: { start: unknown } };

const PLACEHOLDER = /\{(parent|incremental)\.([^{}]+)\}/g;

function lookup(b: Bindings, scope: string, path: string): unknown {
  const root = scope === "parent" ? b.parent : b.incremental;
  if (root === undefined) throw new Error(`{${scope}.${path}} has no value here`);
  return getPath(root, path);
}

/**
 * Fills the placeholders of one string. A string that is one placeholder and nothing else takes
 * the value itself (a number stays a number in a JSON body); inside longer text it is
 * interpolated, URL-encoded when `encode` (a path segment).
 */
export function renderString(s: string, b: Bindings, encode = false): unknown {
  const whole = /^\{(parent|incremental)\.([^{}]+)\}$/.exec(s);
  if (whole) return lookup(b, whole[1]!, whole[2]!);
  return s.replace(PLACEHOLDER, (_, scope: string, path: string) => {
    const v = String(lookup(b, scope, path) ?? "");
    return encode ? encodeURIComponent(v) : v;
  });
}

/** Fills placeholders everywhere in a JSON value (body, params). */
export function render(value: unknown, b: Bindings): unknown {
  if (typeof value === "string") return renderString(value, b);
  if (Array.isArray(value)) return value.map((v) => render(v, b));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, b)]));
  return value;
}

/** The path with `{parent.x}` filled in, each value URL-encoded. */
export function renderPath(path: string, b: Bindings): string {
  return String(renderString(path, b, true));
}
