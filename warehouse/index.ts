export type * from "./interfaces.js";
export { openWarehouse, type OpenWarehouseOptions, type OpenedWarehouse } from "./open.js";
export { PostgresWarehouse, maskUrl } from "./postgres/warehouse.js";
export {
  startEmbedded,
  EmbeddedInUseError,
  type EmbeddedHandle,
  type EmbeddedOptions,
} from "./postgres/embedded.js";
export { migrate } from "./migrations/migrate.js";
export { quoteIdentifier, quoteLiteral, shortenIdentifier } from "./identifiers.js";
