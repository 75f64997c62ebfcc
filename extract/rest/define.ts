import type { RestSourceInput } from "../../config/rest-source.js";
import type { CustomNext, PageRequest } from "./paginators.js";
import type { MapRecord, SelectRecords } from "./stream.js";

export type { PageRequest, CustomNext, MapRecord, SelectRecords };

type ResourceInput = RestSourceInput["resources"][string];
type PaginatorInput = NonNullable<RestSourceInput["paginator"]>;

/** A paginator of the config's kinds, or `{ type: "custom", next }` for one it cannot say. */
export type PaginatorDefinition =
  Exclude<PaginatorInput, { type: "custom" }> | { type: "custom"; next: CustomNext };

export interface ResourceDefinition extends Omit<ResourceInput, "paginator" | "selectRecords" | "map"> {
  paginator?: PaginatorDefinition;
  /** The records of a response, when a dotted path (`records`) cannot say where they are. */
  selectRecords?: SelectRecords;
  /** Reshape a record, or drop it (undefined), before it lands; keep its key and cursor fields. */
  map?: MapRecord;
}

export interface SourceDefinition extends Omit<RestSourceInput, "type" | "paginator" | "resources"> {
  paginator?: PaginatorDefinition;
  resources: Record<string, ResourceDefinition>;
}

/**
 * A REST source in TypeScript, for what config alone cannot say: a custom paginator, a record
 * selector, a record map. It returns the config section (`sources.<name>`), validated with the
 * rest of the config and run by the same engine as one written in config:
 *
 *     sources: { billing: defineSource({ baseUrl: "…", resources: { invoices: { … map: (r) => … } } }) }
 */
export function defineSource(definition: SourceDefinition): RestSourceInput {
  return { ...definition, type: "rest" } as RestSourceInput;
}
