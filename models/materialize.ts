import type { Warehouse } from "../warehouse/interfaces.js";
import { modelStatements, type MaterializeResult } from "../warehouse/statements/models.js";
import type { ModelDefinition } from "./interfaces.js";

export type { MaterializeResult } from "../warehouse/statements/models.js";

/**
 * Builds one model in one transaction, so readers see the old relation until the new one is
 * complete: views are replaced; tables are built under a temporary name and swapped in;
 * incremental models merge the changed rows on their unique key and leave the rest untouched.
 *
 * Models of one run build side by side: the build holds no lock another model's build waits
 * for (only its own model's, against a second build of the same model), and a table whose shape
 * changed is swapped in by DROP and RENAME only once it is complete, indexed and counted, so
 * readers of the old table wait for a rename, not for the build.
 */
export async function materialize(
  wh: Warehouse,
  def: ModelDefinition,
  compiled: { full: string; incremental?: string },
  options: { fullRefresh?: boolean } = {},
): Promise<MaterializeResult> {
  const schema = def.schema ?? "canonical";
  // Two transactions creating one schema at once fail (a unique violation in the catalog), so the
  // schema is made under the warehouse-wide DDL lock, in a transaction of its own that ends at
  // once; the build itself must not hold that lock, or every model of the run waits for it.
  await wh.transaction(async (tx) => {
    await tx.lockForTransaction("ddl");
    await tx.ensureSchema(schema);
  });
  return wh.transaction(async (tx) => {
    await tx.lockForTransaction(`model:${schema}.${def.name}`);
    return modelStatements(tx).materialize(
      tx,
      {
        schema,
        name: def.name,
        materialized: def.materialized,
        uniqueKey: def.uniqueKey,
        description: def.description,
        columns: def.columns,
      },
      compiled,
      options,
    );
  });
}
