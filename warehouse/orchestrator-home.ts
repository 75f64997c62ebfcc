import type { Warehouse } from "./interfaces.js";
import { PostgresWarehouse } from "./postgres/warehouse.js";

/**
 * The warehouse itself when it can hold trueup's orchestrator too (graphile-worker's queue, the
 * run history, the run lock: it is a Postgres); undefined when those need a Postgres of their own.
 */
export function warehouseAsOrchestrator(warehouse: Warehouse): PostgresWarehouse | undefined {
  return warehouse instanceof PostgresWarehouse ? warehouse : undefined;
}
