import type { WarehouseSession } from "../interfaces.js";

/** The rows of a relation (`rel` arrives quoted): the same statement on every warehouse. */
export async function countRows(tx: WarehouseSession, rel: string): Promise<number> {
  return Number((await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${rel}`))[0]!.n);
}
