import type { ColumnType } from "../../../warehouse/interfaces.js";

export const NETSUITE_STREAMS = ["customer", "transaction", "transactionline", "currency"] as const;

export interface NetsuiteStream {
  /** SuiteQL table. */
  table: string;
  /** Incremental on lastmodifieddate; else key-set on id only (new rows) or a full read. */
  mode: "lastmodified" | "id" | "full";
  where?: string;
  types: Record<string, ColumnType>;
}

const DATES: Record<string, ColumnType> = { trandate: "date", duedate: "date" };
const DATETIMES: Record<string, ColumnType> = {
  datecreated: "timestamptz",
  createddate: "timestamptz",
  lastmodifieddate: "timestamptz",
  trueup_lastmodified: "timestamptz",
};

/**
 * What each stream is and how its values are typed: SuiteQL returns every value as a string,
 * so types come from here, not from guessing (ids stay text: `1001` is an id, not a number).
 */
export const STREAMS: Record<string, NetsuiteStream> = {
  customer: {
    table: "customer",
    mode: "lastmodified",
    types: { id: "text", currency: "text", ...DATETIMES },
  },
  transaction: {
    table: "transaction",
    mode: "lastmodified",
    where: "type IN ('CustInvc', 'CustPymt', 'CustCred', 'CustRfnd')",
    types: { id: "text", entity: "text", currency: "text", foreigntotal: "numeric", ...DATES, ...DATETIMES },
  },
  // Lines carry no lastmodifieddate: new lines are read by id; edited lines of old transactions
  // need --full-refresh (NetSuite only edits lines through their transaction, which we do track).
  transactionline: {
    table: "transactionline",
    mode: "id",
    types: { id: "text", transaction: "text", linesequencenumber: "bigint", foreignamount: "numeric" },
  },
  currency: { table: "currency", mode: "full", types: { id: "text" } },
};
