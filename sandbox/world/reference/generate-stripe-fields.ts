/**
 * Regenerates stripe-fields.json from Stripe's public fixtures: the field names of each object the
 * world writes and the JSON kind of their values, at the top level and, for fields that are
 * objects (or arrays of objects) in the fixture, their nested keys recursively. Names and kinds
 * only: no fixture value is kept.
 *
 *   node --import tsx sandbox/world/reference/generate-stripe-fields.ts <stripe/openapi git dir>
 *
 * The fixture is read with `git -C <dir> show <commit>:openapi/fixtures3.json` at the commits
 * pinned below, one per API version the emulator serves.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

const PINS = {
  "2024-06-20": "f7bafae7dfb1fb13bc4071956a35b0492f4a9b50",
  "2025-09-30.clover": "98378bb273767b4186e7331af9955519a5e8decf",
} as const;

/** The objects the world emits, by Stripe's `object` value; invoice_payment exists from basil. */
const OBJECTS = [
  "customer",
  "subscription",
  "subscription_item",
  "invoice",
  "line_item",
  "charge",
  "refund",
  "credit_note",
  "invoice_payment",
];

/**
 * Nested fields that are expandable references (an id unless `expand` asks for the object): the
 * fixture shows them expanded. Stripe's API reference marks them "Expandable".
 */
const EXPANDABLE = new Set(["transfer_data.destination", "refunds[].refund"]);

/**
 * Keys Stripe returns only when the object's `type` names them, absent from the fixture's example
 * (Stripe's API reference: invoice_payment.payment.payment_intent, "ID of the PaymentIntent
 * associated with this payment when `type` is `payment_intent`", and `.charge` likewise; both
 * expandable).
 */
const CONDITIONAL: Record<string, Record<string, Shape>> = {
  "invoice_payment.payment": { charge: "id", payment_intent: "id" },
};

/** A value's kind; `id` is an expandable reference, `object` a map with no fixed keys. */
type Kind = "null" | "string" | "integer" | "number" | "boolean" | "array" | "list" | "object" | "id";
type Shape = Kind | { object: Record<string, Shape>; optional?: Record<string, Shape> } | { array: Shape };
type Json = null | string | number | boolean | Json[] | { [k: string]: Json };

function kind(v: Json): Kind {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return v.object === "list" ? "list" : "object";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v as "string" | "boolean";
}

/** Fields in name order (the fixture's own order moves between commits). */
const sorted = (o: Record<string, Json>) =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The shape of a nested value at `at` (a path without the object's name, `[]` for array items). */
function shape(v: Json, at: string, name: string): Shape {
  if (EXPANDABLE.has(at)) return "id";
  const k = kind(v);
  if (k === "array" && Array.isArray(v) && v.length > 0 && kind(v[0]!) === "object")
    return { array: shape(v[0]!, `${at}[]`, name) };
  if (k !== "object" || name === "metadata") return k;
  const entries = sorted(v as Record<string, Json>);
  if (entries.length === 0) return "object";
  return { object: Object.fromEntries(entries.map(([key, x]) => [key, shape(x, `${at}.${key}`, key)])) };
}

function snapshot(mirror: string, commit: string) {
  const git = (...args: string[]) => execFileSync("git", ["-C", mirror, ...args], { encoding: "utf8" });
  const fixtures = JSON.parse(git("show", `${commit}:openapi/fixtures3.json`)) as {
    resources: Record<string, Record<string, Json>>;
  };
  const objects: Record<string, Record<string, Kind>> = {};
  const nested: Record<string, Record<string, Shape>> = {};
  for (const name of OBJECTS) {
    const fixture = fixtures.resources[name];
    if (!fixture) continue;
    objects[name] = Object.fromEntries(sorted(fixture).map(([f, v]) => [f, kind(v)]));
    const fields: Record<string, Shape> = {};
    for (const [f, v] of sorted(fixture)) {
      const s = shape(v, f, f);
      if (typeof s !== "object") continue;
      const extra = "object" in s ? CONDITIONAL[`${name}.${f}`] : undefined;
      fields[f] = extra ? { ...s, optional: extra } : s;
    }
    nested[name] = fields;
  }
  return {
    source: {
      repo: "stripe/openapi",
      path: "openapi/fixtures3.json",
      commit,
      committed: git("log", "-1", "--format=%cI", commit).trim(),
    },
    objects,
    nested,
  };
}

const mirror = process.argv[2];
if (!mirror) throw new Error("usage: generate-stripe-fields.ts <git dir of a stripe/openapi clone>");
const out = {
  about:
    "Field names (and the JSON kind of the value in Stripe's own fixture) of each Stripe object the world generator writes, per API version: `objects` holds the top-level fields, `nested` the keys of the fields that are objects or arrays of objects in the fixture, recursively ({object: keys} or {array: item}; `optional` keys are returned only when the object's type names them; `id` is an expandable reference, `object` a map with no fixed keys). Read from Stripe's public OpenAPI fixtures (openapi/fixtures3.json in github.com/stripe/openapi at the commits below) by generate-stripe-fields.ts; the generator and emulator write their own values.",
  versions: Object.fromEntries(Object.entries(PINS).map(([v, commit]) => [v, snapshot(mirror, commit)])),
};
const file = path.join(import.meta.dirname, "stripe-fields.json");
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${file}`);
