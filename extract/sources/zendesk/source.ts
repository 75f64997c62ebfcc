import type { ExtractBatch, StreamDescriptor } from "../../../load/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../../interfaces.js";
import { enabledStreams } from "../common.js";
import { zendeskClient } from "./client.js";
import { uniqueById, type ZendeskCursor } from "./incremental.js";
import { ZENDESK_STREAMS } from "./streams.js";

type Rec = Record<string, unknown>;

export const zendeskSource: Source = {
  name: "zendesk",
  declaredStreams: (config) => enabledStreams(config, "zendesk", ZENDESK_STREAMS),
  streams(ctx: SourceContext): StreamHandle[] {
    const names = enabledStreams(ctx.config, "zendesk", ZENDESK_STREAMS);
    if (!names.length) return [];
    const http = zendeskClient(ctx);
    const lookback = ctx.config.sources.zendesk?.lookbackSeconds ?? 0;
    return names.map((stream) => {
      const descriptor: StreamDescriptor = {
        source: "zendesk",
        stream,
        primaryKey: ["id"],
        versionColumn: "updated_at",
        columnTypes: { updated_at: "timestamptz", created_at: "timestamptz" },
        description: `Zendesk ${stream} (incremental export).`,
      };
      if (stream === "organizations") {
        return {
          descriptor,
          /**
           * Time-based export: each page restarts at the previous page's end_time, so records of
           * that second repeat (they merge by id and are dropped from the page here). A page that
           * does not move start_time forward would loop; the export is then stepped one second on.
           */
          async *read(cursor): AsyncGenerator<ExtractBatch> {
            const c = ctx.fullRefresh ? undefined : (cursor as ZendeskCursor | undefined);
            let start = Math.max(0, (c?.startTime ?? 0) - lookback);
            for (let page = 1; ; page++) {
              const res = await http.request<{
                organizations: Rec[];
                end_time: number;
                end_of_stream: boolean;
              }>({
                path: "/api/v2/incremental/organizations.json",
                query: { start_time: start },
              });
              const rows = uniqueById(res.body.organizations);
              let next = Number(res.body.end_time);
              if (!res.body.end_of_stream && next <= start) {
                ctx.log.warn({ start }, "zendesk: an export page did not advance; stepping one second on");
                next = start + 1;
              }
              yield {
                records: rows,
                positions: rows.map((r) => `organizations export page ${page} id ${String(r.id)}`),
                cursor: { startTime: next } satisfies ZendeskCursor,
              };
              if (res.body.end_of_stream) return;
              start = next;
            }
          },
        };
      }
      if (stream === "tickets") {
        return {
          descriptor,
          async *read(cursor): AsyncGenerator<ExtractBatch> {
            const c = ctx.fullRefresh ? undefined : (cursor as ZendeskCursor | undefined);
            let query: Record<string, string | number> = c?.cursor ? { cursor: c.cursor } : { start_time: 0 };
            for (let page = 1; ; page++) {
              const res = await http.request<{
                tickets: Rec[];
                after_cursor: string | null;
                end_of_stream: boolean;
              }>({
                path: "/api/v2/incremental/tickets/cursor.json",
                query,
              });
              const rows = uniqueById(res.body.tickets);
              yield {
                records: rows,
                positions: rows.map((r) => `tickets export page ${page} id ${String(r.id)}`),
                cursor: res.body.after_cursor
                  ? ({ cursor: res.body.after_cursor } satisfies ZendeskCursor)
                  : undefined,
              };
              if (res.body.end_of_stream || !res.body.after_cursor) return;
              query = { cursor: res.body.after_cursor };
            }
          },
        };
      }
      throw new Error(`zendesk offers ${ZENDESK_STREAMS.join(", ")}, not ${stream}`);
    });
  },
};
