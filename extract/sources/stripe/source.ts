import { STRIPE_DEFAULT_API_VERSION, type Config } from "../../../config/schema.js";
import { ConfigError } from "../../../core/errors.js";
import type { ExtractBatch, StreamDescriptor } from "../../../load/interfaces.js";
import { readCursors } from "../../../load/state.js";
import type { HttpClient, HttpResponse } from "../../http/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../../interfaces.js";
import { enabledStreams } from "../common.js";
import { stripeClient } from "./client.js";
import { vendorNow, type StripeCursor } from "./incremental.js";
import { hasInvoicePayments } from "./version.js";
import { EVENT_PREFIX, EVENT_RETENTION_SECONDS, STRIPE_STREAMS } from "./streams.js";

type Obj = Record<string, unknown>;
interface List {
  object: "list";
  has_more: boolean;
  data: Obj[];
}

/** An invoice's `lines` come 10 at a time; the rest are fetched so staging holds them all. */
async function completeLines(http: HttpClient, invoice: Obj): Promise<Obj> {
  const lines = invoice.lines as { data?: Obj[]; has_more?: boolean } | undefined;
  if (!lines?.has_more) return invoice;
  const all = [...(lines.data ?? [])];
  let last = all.at(-1)?.id as string | undefined;
  for (;;) {
    const res = await http.request<List>({
      path: `/v1/invoices/${String(invoice.id)}/lines`,
      query: { limit: 100, starting_after: last },
    });
    all.push(...res.body.data);
    last = res.body.data.at(-1)?.id as string | undefined;
    if (!res.body.has_more || !last) break;
  }
  return { ...invoice, lines: { ...lines, data: all, has_more: false, total_count: all.length } };
}

function maxCreated(objs: Obj[], start: number): number {
  return objs.reduce((m, o) => Math.max(m, Number(o.created) || 0), start);
}

/**
 * The streams to extract, as the configured API version has them: `/v1/invoice_payments` exists
 * from basil on, where it is the only link from a payment to its invoice; before basil the
 * charge carries `invoice`.
 */
function stripeStreams(config: Config): string[] {
  const version = config.sources.stripe?.apiVersion ?? STRIPE_DEFAULT_API_VERSION;
  const configured = config.sources.stripe?.streams ?? [];
  if (hasInvoicePayments(version)) {
    // A stream list written for an earlier version names charges but not the invoice payments
    // that now hold their invoice: they come along, or payments would land without invoices.
    const names = enabledStreams(config, "stripe", STRIPE_STREAMS);
    return names.includes("charges") && !names.includes("invoice_payments")
      ? [...names, "invoice_payments"]
      : names;
  }
  if (configured.includes("invoice_payments"))
    throw new ConfigError(
      `sources.stripe.streams lists invoice_payments, which Stripe API version ${version} does not have (it starts with 2025-03-31.basil): remove it or set sources.stripe.apiVersion to a basil or later version`,
    );
  return enabledStreams(
    config,
    "stripe",
    STRIPE_STREAMS.filter((s) => s !== "invoice_payments"),
  );
}

export const stripeSource: Source = {
  name: "stripe",
  declaredStreams: (config) => stripeStreams(config),
  streams(ctx: SourceContext): StreamHandle[] {
    const names = stripeStreams(ctx.config);
    if (!names.length) return [];
    const http = stripeClient(ctx);
    const cfg = ctx.config.sources.stripe!;
    const lookback = cfg.lookbackSeconds ?? 600;

    /**
     * One read of /v1/events for every stream of the run (from the oldest saved position, all
     * their event types), instead of one per stream; its Date header is also the vendor's "now"
     * the 30-day retention check needs. Loaded on first use, shared after.
     */
    let shared: Promise<{ now: number; events: Obj[] }> | undefined;
    const sharedEvents = (): Promise<{ now: number; events: Obj[] }> =>
      (shared ??= (async () => {
        const states = (await readCursors(ctx.warehouse, "stripe")) as {
          stream: string;
          cursor: StripeCursor | null;
        }[];
        const since = Math.min(
          ...states
            .filter((r) => names.includes(r.stream as never) && r.cursor?.phase === "incremental")
            .map((r) => (r.cursor as Extract<StripeCursor, { phase: "incremental" }>).eventsSince),
        );
        const types = names.flatMap((n) => [`${EVENT_PREFIX[n]}.updated`, `${EVENT_PREFIX[n]}.deleted`]);
        const events: Obj[] = [];
        let now = 0;
        for await (const res of http.paginate<List>(
          {
            path: "/v1/events",
            query: { limit: 100, "types[]": types, "created[gte]": Number.isFinite(since) ? since : 0 },
          },
          (r, req) =>
            r.body.has_more && r.body.data.length
              ? { ...req, query: { ...req.query, starting_after: String(r.body.data.at(-1)!.id) } }
              : undefined,
        )) {
          now ||= vendorNow(res.headers);
          events.push(...res.body.data);
        }
        return { now, events };
      })());
    return names.map((stream) => {
      const descriptor: StreamDescriptor = {
        source: "stripe",
        stream,
        primaryKey: ["id"],
        description: `Stripe ${stream} (list by created, then /v1/events for changes and deletes).`,
      };
      const listQuery = (extra: Record<string, string | number | undefined>) => ({
        path: `/v1/${stream}`,
        query: { limit: cfg.pageSize, ...(stream === "subscriptions" ? { status: "all" } : {}), ...extra },
      });
      const prepare = async (objs: Obj[]) =>
        stream === "invoices" ? Promise.all(objs.map((o) => completeLines(http, o))) : objs;

      /** Newest event's time on Stripe's clock: the watermark changes are read from. */
      async function eventsWatermark(): Promise<number> {
        const res = await http.request<List>({ path: "/v1/events", query: { limit: 1 } });
        return Math.max(Number(res.body.data[0]?.created ?? 0), vendorNow(res.headers) - 1);
      }

      async function* backfill(
        from: Extract<StripeCursor, { phase: "backfill" }>,
      ): AsyncGenerator<ExtractBatch> {
        let cur = from;
        let page = 0;
        for (;;) {
          const res: HttpResponse<List> = await http.request<List>(
            listQuery({ starting_after: cur.startingAfter }),
          );
          const data = await prepare(res.body.data);
          page++;
          const last = data.at(-1)?.id as string | undefined;
          cur = {
            ...cur,
            startingAfter: last ?? cur.startingAfter,
            maxCreated: maxCreated(data, cur.maxCreated),
          };
          const done = !res.body.has_more || !last;
          yield {
            records: data,
            positions: data.map((_, i) => `backfill page ${page} row ${i + 1}`),
            cursor: done
              ? { phase: "incremental", maxCreated: cur.maxCreated, eventsSince: cur.eventsSince }
              : cur,
          };
          if (done) return;
        }
      }

      async function* incremental(
        from: Extract<StripeCursor, { phase: "incremental" }>,
      ): AsyncGenerator<ExtractBatch> {
        // (a) New objects: by created, re-opened by the lookback for objects that surface late.
        let created = from.maxCreated;
        let page = 0;
        for await (const res of http.paginate<List>(
          listQuery({ "created[gte]": from.maxCreated - lookback }),
          (r, req) =>
            r.body.has_more && r.body.data.length
              ? { ...req, query: { ...req.query, starting_after: String(r.body.data.at(-1)!.id) } }
              : undefined,
        )) {
          const data = await prepare(res.body.data);
          created = maxCreated(data, created);
          page++;
          yield { records: data, positions: data.map((_, i) => `created page ${page} row ${i + 1}`) };
        }
        // (b) Changes and deletes: this stream's events since its watermark (from the run's shared
        // read), applied oldest first so the latest state of an object wins.
        const prefix = EVENT_PREFIX[stream]!;
        let newest = from.eventsSince;
        const events = (await sharedEvents()).events.filter(
          (e) =>
            Number(e.created) >= from.eventsSince &&
            (e.type === `${prefix}.updated` || e.type === `${prefix}.deleted`),
        );
        events.sort(
          (a, b) => Number(a.created) - Number(b.created) || String(a.id).localeCompare(String(b.id)),
        );
        const updated: Obj[] = [];
        const deleted: Obj[] = [];
        for (const e of events) {
          newest = Math.max(newest, Number(e.created));
          const obj = (e.data as { object?: Obj } | undefined)?.object;
          if (!obj || typeof obj.id !== "string") continue;
          if (String(e.type).endsWith(".deleted")) deleted.push({ id: obj.id });
          else updated.push(obj);
        }
        const prepared = await prepare(updated);
        yield {
          records: prepared,
          deletes: deleted,
          positions: prepared.map((o) => `event for ${String(o.id)}`),
          cursor: { phase: "incremental", maxCreated: created, eventsSince: newest } satisfies StripeCursor,
        };
      }

      return {
        descriptor,
        async *read(cursor) {
          let c = ctx.fullRefresh ? undefined : (cursor as StripeCursor | undefined);
          if (c?.phase === "incremental") {
            const { now } = await sharedEvents();
            if (now - c.eventsSince > EVENT_RETENTION_SECONDS - 3600) {
              // Events older than 30 days are gone: catching up through them would leave a
              // silent gap, so the stream is read again from the start.
              ctx.log.warn(
                { stream, eventsSince: new Date(c.eventsSince * 1000).toISOString() },
                "stripe: the saved position is older than the 30 days of /v1/events; re-reading the whole stream",
              );
              c = undefined;
            }
          }
          if (!c) c = { phase: "backfill", maxCreated: 0, eventsSince: await eventsWatermark() };
          if (c.phase === "backfill") yield* backfill(c);
          else yield* incremental(c);
        },
      };
    });
  },
};
