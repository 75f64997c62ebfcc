import type { EmulatorContext } from "../context.js";
import type { SandboxResponse } from "../interfaces.js";
import { hsError } from "./errors.js";
import { READ_ONLY, type HubspotObjects, type ObjectType, type Rec } from "./objects.js";

/**
 * HubSpot's writes: `PATCH /crm/v3/objects/{type}/{id}` and `POST …/batch/update` (at most 100
 * inputs). Property values are stored as HubSpot stores them: strings ("" clears a value). An
 * unknown or read-only property fails the whole call with HubSpot's validation error; ids that
 * do not exist are a 207 with OBJECT_NOT_FOUND, the others are written.
 */

export const BATCH_MAX = 100;

/** The properties of one input as strings, or the validation errors HubSpot would give. */
function checkProperties(
  objects: HubspotObjects,
  type: ObjectType,
  properties: unknown,
): { values: Record<string, string> } | { errors: Rec[] } {
  if (!properties || typeof properties !== "object" || Array.isArray(properties))
    return { errors: [{ isValid: false, message: "properties is required", error: "INVALID_INPUT" }] };
  const known = objects.known(type);
  const values: Record<string, string> = {};
  const errors: Rec[] = [];
  for (const [name, v] of Object.entries(properties as Rec)) {
    if (!known.has(name))
      errors.push({
        isValid: false,
        message: `Property "${name}" does not exist`,
        error: "PROPERTY_DOESNT_EXIST",
        name,
      });
    else if (READ_ONLY.has(name))
      errors.push({
        isValid: false,
        message: `"${name}" is a read only property; its value cannot be set.`,
        error: "READ_ONLY_VALUE",
        name,
      });
    else if (v !== null && typeof v === "object")
      errors.push({
        isValid: false,
        message: `${JSON.stringify(v)} was not a valid value`,
        error: "INVALID_VALUE",
        name,
      });
    else values[name] = v === null || v === undefined ? "" : String(v);
  }
  return errors.length ? { errors } : { values };
}

function invalid(ctx: EmulatorContext, errors: Rec[]): SandboxResponse {
  return hsError(
    ctx.rng,
    400,
    "VALIDATION_ERROR",
    `Property values were not valid: ${JSON.stringify(errors)}`,
    {
      errors: errors.map((e) => ({ message: e.message, code: e.error, context: { propertyName: [e.name] } })),
    },
  );
}

function write(ctx: EmulatorContext, type: ObjectType, id: string, values: Record<string, string>): Rec {
  // Stored as sent: "" is how HubSpot returns a cleared value.
  return ctx.store.patch("hubspot", type, id, { properties: values });
}

export function updateOne(
  ctx: EmulatorContext,
  objects: HubspotObjects,
  type: ObjectType,
  id: string,
  body: unknown,
): SandboxResponse {
  const r = objects.get(type, id);
  if (!r || r.archived) return { status: 404, body: "" };
  const checked = checkProperties(objects, type, (body as Rec | undefined)?.properties);
  if ("errors" in checked) return invalid(ctx, checked.errors);
  const updated = write(ctx, type, id, checked.values);
  return { status: 200, body: objects.view(type, updated, Object.keys(checked.values)) };
}

export function batchUpdate(
  ctx: EmulatorContext,
  objects: HubspotObjects,
  type: ObjectType,
  body: unknown,
): SandboxResponse {
  const startedAt = ctx.store.now().toISOString();
  const inputs = (body as Rec | undefined)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0)
    return hsError(ctx.rng, 400, "VALIDATION_ERROR", "Invalid input JSON: inputs must be a non-empty array");
  if (inputs.length > BATCH_MAX)
    return hsError(
      ctx.rng,
      400,
      "VALIDATION_ERROR",
      `Batch input size ${inputs.length} exceeds the maximum of ${BATCH_MAX}`,
    );
  const checked: { id: string; values: Record<string, string> }[] = [];
  const errors: Rec[] = [];
  const seen = new Set<string>();
  for (const input of inputs as Rec[]) {
    const id = String(input?.id ?? "");
    if (seen.has(id))
      return hsError(
        ctx.rng,
        400,
        "VALIDATION_ERROR",
        `Duplicate IDs found in batch input: [${id}]. IDs must be unique`,
      );
    seen.add(id);
    const c = checkProperties(objects, type, input?.properties);
    if ("errors" in c) errors.push(...c.errors);
    else checked.push({ id, values: c.values });
  }
  if (errors.length) return invalid(ctx, errors);
  const results: Rec[] = [];
  const missing: string[] = [];
  for (const { id, values } of checked) {
    const r = objects.get(type, id);
    if (!r || r.archived) {
      missing.push(id);
      continue;
    }
    results.push(objects.view(type, write(ctx, type, id, values), Object.keys(values)));
  }
  return objects.batchAnswer(results, missing, startedAt, "update");
}
