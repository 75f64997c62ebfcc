import { tableName } from "../load/naming.js";
import { sqlDialect } from "../models/dialects.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import type { DiscrepancyEvent, DiscrepancyView, LedgerContext, SourceRecord } from "./ledger.js";
import { items } from "./ledger-queue.js";
import { json, lower, prepared, resolveKeys, str, type Row } from "./ledger-rows.js";

/**
 * The discrepancies a key names (all its categories unless `category` narrows), each with both
 * systems' records as staging holds them and its events, oldest first.
 */
export async function showDiscrepancy(
  ctx: LedgerContext,
  key: string,
  category?: string,
): Promise<DiscrepancyView[]> {
  await prepared(ctx);
  const wh = ctx.warehouse;
  const found = await resolveKeys(wh, [key], { category, status: "all" });
  const out: DiscrepancyView[] = [];
  for (const ref of found) {
    const { rows } = await items(wh, ["q.category = $1", "q.key = $2"], [ref.category, ref.key]);
    const item = rows[0]!;
    const [raw] = await wh.query<Row>(
      `SELECT detail FROM recon.discrepancy WHERE category = $1 AND key = $2`,
      [ref.category, ref.key],
    );
    const detail = json(raw ? lower(raw).detail : null);
    const nativeId = ref.key.slice(ref.key.indexOf(":") + 1);
    const left = item.leftSystem ? await sourceRecord(wh, item.leftSystem, nativeId) : null;
    const rightId = item.rightDocument;
    const right = item.rightSystem && rightId ? await sourceRecord(wh, item.rightSystem, rightId) : null;
    out.push({ item, detail, left, right, events: await eventsOf(wh, ref) });
  }
  return out;
}

async function eventsOf(
  wh: WarehouseSession,
  ref: { category: string; key: string },
): Promise<DiscrepancyEvent[]> {
  const rows = await wh.query<Row>(
    `SELECT id, ${sqlDialect(wh.dialect).quote("at")} AS at, event, actor, run_id, event_detail
       FROM recon.discrepancy_events WHERE category = $1 AND key = $2 ORDER BY id`,
    [ref.category, ref.key],
  );
  return rows.map(lower).map((r) => ({
    id: Number(r.id),
    at: str(r.at) ?? "",
    event: String(r.event),
    actor: str(r.actor),
    runId: String(r.run_id),
    detail: json(r.event_detail),
  }));
}

/**
 * Where a system's record of a discrepancy side is in staging: the streams a key's system can
 * name, with the column that holds the id the key carries. The first stream holding the id wins.
 */
const STAGING_LOOKUP: Record<string, [source: string, stream: string, idColumn: string][]> = {
  stripe: [
    ["stripe", "invoices", "id"],
    ["stripe", "charges", "id"],
    ["stripe", "refunds", "id"],
    ["stripe", "credit_notes", "id"],
    ["stripe", "customers", "id"],
    ["stripe", "subscriptions", "id"],
  ],
  netsuite: [
    ["netsuite", "transaction", "id"],
    ["netsuite", "customer", "id"],
  ],
  erp_file: [
    ["erp_files", "invoices", "invoice_no"],
    ["erp_files", "payments", "payment_no"],
    ["erp_files", "customers", "customer_no"],
  ],
  salesforce: [
    ["salesforce", "opportunity", "id"],
    ["salesforce", "account", "id"],
  ],
  hubspot: [
    ["hubspot", "deals", "id"],
    ["hubspot", "companies", "id"],
  ],
  zendesk: [["zendesk", "organizations", "id"]],
};

async function sourceRecord(wh: WarehouseSession, system: string, id: string): Promise<SourceRecord | null> {
  for (const [source, stream, idColumn] of STAGING_LOOKUP[system] ?? []) {
    const table = tableName(source, stream);
    const exists = await wh.query(
      `SELECT 1 FROM information_schema.columns WHERE lower(table_schema) = 'staging' AND lower(table_name) = $1 AND lower(column_name) = $2`,
      [table, idColumn],
    );
    if (!exists.length) continue;
    const d = sqlDialect(wh.dialect);
    const [row] = await wh.query<Row>(
      `SELECT * FROM ${d.quote("staging")}.${d.quote(table)} WHERE ${d.cast(d.quote(idColumn), "text")} = $1`,
      [id],
    );
    if (row) return { system, table: `staging.${table}`, id, record: lower(row) };
  }
  return null;
}
