import { z } from "zod";

/**
 * Outbound payloads are validated with zod against the destination's own field types (Salesforce
 * describe, Zendesk organization fields) before anything is written: a model that suddenly emits
 * text into a currency field fails here, naming the record and field, instead of at the vendor
 * (or worse, being coerced there).
 */
export type FieldKind = "string" | "number" | "integer" | "date" | "datetime" | "boolean" | "enum" | "list";

export interface FieldType {
  kind: FieldKind;
  updateable: boolean;
  nillable: boolean;
  maxLength?: number;
  values?: string[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function schemaFor(t: FieldType): z.ZodType {
  let s: z.ZodType;
  switch (t.kind) {
    case "number":
      s = z.number().finite();
      break;
    case "integer":
      s = z.number().int();
      break;
    case "date":
      s = z.string().regex(ISO_DATE, "a date YYYY-MM-DD");
      break;
    case "datetime":
      s = z.iso.datetime({ offset: true });
      break;
    case "boolean":
      s = z.boolean();
      break;
    case "enum":
      s = t.values?.length ? z.enum(t.values as [string, ...string[]]) : z.string();
      break;
    case "list":
      s = z.array(z.string());
      break;
    default:
      s = t.maxLength ? z.string().max(t.maxLength) : z.string();
  }
  return t.nillable ? s.nullable() : s;
}

/** Problems with one record's outbound fields (empty when valid). */
export function validateFields(
  types: ReadonlyMap<string, FieldType>,
  fields: Record<string, unknown>,
  where: string,
): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const t = types.get(name);
    if (!t) {
      problems.push(`${where}: field ${name} does not exist`);
      continue;
    }
    if (!t.updateable) {
      problems.push(`${where}: field ${name} is read-only`);
      continue;
    }
    const r = schemaFor(t).safeParse(value);
    if (!r.success)
      problems.push(`${where}: field ${name} = ${JSON.stringify(value)}: ${r.error.issues[0]?.message}`);
  }
  return problems;
}

/** `organization_fields.arr` → nested lookup. */
export function getPath(record: Record<string, unknown>, path: string): unknown {
  let cur: unknown = record;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Sets a dotted path, creating intermediate objects. */
export function setPath(record: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = record;
  for (const part of parts.slice(0, -1)) {
    if (typeof cur[part] !== "object" || cur[part] === null) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}
