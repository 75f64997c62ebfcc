import type { ExtractBatch, RejectRecord, StreamDescriptor } from "../../../load/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../../interfaces.js";
import { enabledStreams } from "../common.js";
import { netsuiteClient } from "./client.js";
import { keysetWhere, parseAccountDate, type NetsuiteCursor } from "./incremental.js";
import { NETSUITE_STREAMS, STREAMS } from "./streams.js";

interface SuiteQlPage {
  items: Record<string, unknown>[];
  hasMore: boolean;
  count: number;
}

/**
 * SuiteQL rows typed by the stream's schema. A value that does not parse as its type is a
 * reject naming the record id and field; the record still loads with that field empty.
 */
function typeRow(
  row: Record<string, unknown>,
  types: Record<string, string>,
  dateFormat: string,
  table: string,
  rejects: RejectRecord[],
): Record<string, unknown> {
  const { links: _links, ...out } = row;
  for (const [field, type] of Object.entries(types)) {
    const v = out[field];
    if (v === undefined || v === null || v === "") continue;
    const s = String(v);
    let ok = true;
    if (type === "numeric") ok = /^-?\d+(\.\d+)?$/.test(s);
    else if (type === "bigint") ok = /^-?\d+$/.test(s);
    else if (type === "date" || type === "timestamptz") {
      const iso = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/.test(s)
        ? { date: s.slice(0, 10), time: s.slice(11) || undefined }
        : parseAccountDate(s, dateFormat);
      if (!iso) ok = false;
      else out[field] = type === "date" ? iso.date : `${iso.date}T${iso.time ?? "00:00:00"}Z`;
    }
    if (!ok) {
      rejects.push({
        position: `${table} ${String(out.id)}`,
        recordKey: String(out.id),
        field,
        reason: `${field} = ${JSON.stringify(s)} is not a ${type === "timestamptz" ? `datetime in the account's format (${dateFormat})` : type}`,
      });
      delete out[field];
    }
  }
  return out;
}

export const netsuiteSource: Source = {
  name: "netsuite",
  declaredStreams: (config) => enabledStreams(config, "netsuite", NETSUITE_STREAMS),
  streams(ctx: SourceContext): StreamHandle[] {
    const names = enabledStreams(ctx.config, "netsuite", NETSUITE_STREAMS);
    if (!names.length) return [];
    const http = netsuiteClient(ctx);
    const cfg = ctx.config.sources.netsuite!;
    return names.map((stream) => {
      const s = STREAMS[stream];
      if (!s) throw new Error(`netsuite offers ${Object.keys(STREAMS).join(", ")}, not ${stream}`);
      const descriptor: StreamDescriptor = {
        source: "netsuite",
        stream,
        primaryKey: ["id"],
        versionColumn: s.mode === "lastmodified" ? "trueup_lastmodified" : undefined,
        columnTypes: s.types,
        description: `NetSuite ${s.table} (SuiteQL${s.mode === "lastmodified" ? ", incremental on lastmodifieddate" : ""}).`,
      };
      return {
        descriptor,
        async *read(cursor): AsyncGenerator<ExtractBatch> {
          let c = ctx.fullRefresh || s.mode === "full" ? undefined : (cursor as NetsuiteCursor | undefined);
          const select =
            s.mode === "lastmodified"
              ? `${s.table}.*, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS trueup_lastmodified`
              : "*";
          const order = s.mode === "lastmodified" ? "lastmodifieddate, id" : "id";
          for (let page = 1; ; page++) {
            const conds = [s.where, keysetWhere(s.mode, c)].filter(Boolean);
            const q = `SELECT ${select} FROM ${s.table}${conds.length ? ` WHERE ${conds.join(" AND ")}` : ""} ORDER BY ${order}`;
            const res = await http.request<SuiteQlPage>({
              method: "POST",
              path: "/services/rest/query/v1/suiteql",
              query: { limit: cfg.pageSize, offset: 0 },
              headers: { prefer: "transient" },
              body: { q },
            });
            const rejects: RejectRecord[] = [];
            const records = res.body.items.map((r) => typeRow(r, s.types, cfg.dateFormat, s.table, rejects));
            const last = res.body.items.at(-1);
            if (last)
              c = {
                id: String(last.id),
                lastModified: last.trueup_lastmodified ? String(last.trueup_lastmodified) : undefined,
              };
            const done = !res.body.hasMore || res.body.items.length < cfg.pageSize;
            yield {
              records,
              rejects,
              positions: records.map((r) => `${s.table} ${String(r.id)} (page ${page})`),
              // A full-read stream keeps no position; the others commit theirs with each page.
              cursor: s.mode === "full" ? undefined : c,
            };
            if (done || !last) return;
          }
        },
      };
    });
  },
};
