import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Rng } from "../world/rng.js";
import {
  DEFAULT_EMULATOR_OPTIONS,
  SANDBOX_CREDENTIALS,
  type EmulatorOptions,
  type FaultProfile,
} from "./context.js";
import { faultFor, listKey, type FaultAction } from "./faults.js";
import type { Emulator, SandboxRequest, SandboxResponse, SystemName } from "./interfaces.js";
import { EMULATORS, PORT_ORDER } from "./registry.js";
import { MemoryWorldStore, NotFound, SYSTEMS } from "./store.js";

export interface SandboxOptions {
  worldDir?: string;
  store?: MemoryWorldStore;
  /** First port P: Salesforce P, Stripe P+1, NetSuite P+2, Zendesk P+3, HubSpot P+4; 0 = free ports. */
  port?: number;
  host?: string;
  faults?: FaultProfile;
  faultSeed?: number;
  /**
   * Scripted faults, for tests that need one at an exact request: called for every vendor
   * request (`n` counts them per emulator); an action it returns replaces the profile's.
   */
  faultAt?: (request: {
    system: SystemName;
    method: string;
    path: string;
    n: number;
  }) => FaultAction | undefined;
  options?: Partial<EmulatorOptions>;
}

export interface RequestLogEntry {
  system: SystemName;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  status: number;
  time: string;
  /** Set when the hostile profile answered with the page it served before. */
  replayed?: boolean;
}

export interface RunningSandbox {
  store: MemoryWorldStore;
  urls: Record<SystemName, string>;
  env: Record<string, string>;
  requestLog: RequestLogEntry[];
  close(): Promise<void>;
}

function parseQuery(search: URLSearchParams): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const cur = q[k];
    if (cur === undefined) q[k] = k.endsWith("[]") ? [v] : v;
    else q[k] = Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return q;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.includes("application/x-www-form-urlencoded")) return parseQuery(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, r: SandboxResponse, mode: "full" | "truncate" = "full", now?: Date): void {
  const body = r.body === undefined ? "" : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  // The vendor's clock, as real APIs report theirs: the world's emulated now.
  if (now) headers.date = now.toUTCString();
  if (body && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
    headers["content-type"] = "application/json;charset=UTF-8";
  if (mode === "truncate" && body.length > 2) {
    // Announce the whole body, send half, close: what a dropped connection mid-body looks like.
    res.writeHead(r.status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    res.socket?.destroy();
    return;
  }
  res.writeHead(r.status, headers);
  res.end(body);
}

/** `/__sandbox/…`: the admin surface of CONTRACTS §3, answered on every port, never faulted or logged. */
function admin(
  store: MemoryWorldStore,
  log: RequestLogEntry[],
  method: string,
  parts: string[],
  body: unknown,
): SandboxResponse {
  if (parts[0] === "requests") {
    if (method === "GET") return { status: 200, body: log };
    if (method === "DELETE") {
      log.length = 0;
      return { status: 204 };
    }
  }
  if (parts[0] === "clock" && method === "POST") {
    const s = Number((body as { advance_seconds?: number } | undefined)?.advance_seconds ?? 0);
    store.advance(s * 1000);
    return { status: 200, body: { now: store.now().toISOString() } };
  }
  if (parts[0] === "world" && method === "GET") {
    return {
      status: 200,
      body: {
        as_of: store.asOf.toISOString(),
        now: store.now().toISOString(),
        objects: Object.fromEntries(SYSTEMS.map((s) => [s, store.objects(s)])),
      },
    };
  }
  const [system, object, id] = parts as [SystemName, string, string];
  if (SYSTEMS.includes(system) && object && id) {
    try {
      if (method === "GET") {
        const r = store.get(system, object, id);
        return r
          ? { status: 200, body: r }
          : { status: 404, body: { error: `no ${system} ${object} ${id}` } };
      }
      if (method === "PATCH") {
        if (!body || typeof body !== "object" || Array.isArray(body))
          return { status: 400, body: { error: "the body must be a JSON merge patch (an object)" } };
        return { status: 200, body: store.patch(system, object, id, body as Record<string, unknown>) };
      }
      if (method === "DELETE") {
        store.remove(system, object, id);
        return { status: 204 };
      }
    } catch (err) {
      if (err instanceof NotFound) return { status: 404, body: { error: err.message } };
      throw err;
    }
  }
  return { status: 404, body: { error: `unknown admin route ${method} /__sandbox/${parts.join("/")}` } };
}

/**
 * Serves a world through the vendor APIs, one port each. Every vendor request is parsed,
 * handed to its emulator, logged, and (per the fault profile) delayed, throttled, failed, cut
 * short or reset — reproducibly for a seed.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const store = options.store ?? (options.worldDir ? MemoryWorldStore.load(options.worldDir) : undefined);
  if (!store) throw new Error("startSandbox needs a worldDir or a store");
  const faults = options.faults ?? "none";
  const seed = options.faultSeed ?? store.seed;
  const host = options.host ?? "127.0.0.1";
  const emulatorOptions = { ...DEFAULT_EMULATOR_OPTIONS, ...options.options };
  const requestLog: RequestLogEntry[] = [];
  const servers: Server[] = [];
  const urls = {} as Record<SystemName, string>;

  try {
    for (const [i, system] of PORT_ORDER.entries()) {
      const server = createServer({ keepAlive: true });
      const port = options.port ? options.port + i : 0;
      await new Promise<void>((resolve, reject) => {
        server.once("error", (err: NodeJS.ErrnoException) =>
          reject(
            err.code === "EADDRINUSE"
              ? new Error(`port ${port} (${system}) is already in use; choose another with --port`)
              : err,
          ),
        );
        server.listen(port, host, () => resolve());
      });
      servers.push(server);
      urls[system] = `http://${host}:${(server.address() as AddressInfo).port}`;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }

  PORT_ORDER.forEach((system, i) => {
    const module = EMULATORS[system];
    const emulator: Emulator = module.create({
      store,
      baseUrl: urls[system],
      faults,
      rng: new Rng(seed, 100 + i),
      options: emulatorOptions,
    });
    let counter = 0;
    // The last page served per list, for the hostile "page served twice".
    const lastPages = new Map<string, SandboxResponse>();
    // A replay that met a read with no page before it (the first page of a list) is owed to the
    // next read that has one, so the profile's replays happen whatever order the reads come in.
    let replayOwed = false;
    servers[i]!.on("request", (req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        const url = new URL(req.url ?? "/", urls[system]);
        const raw = await readBody(req);
        const body = parseBody(raw, req.headers["content-type"]);
        if (url.pathname.startsWith("/__sandbox/")) {
          const parts = url.pathname
            .slice("/__sandbox/".length)
            .split("/")
            .filter(Boolean)
            .map(decodeURIComponent);
          send(res, admin(store, requestLog, req.method ?? "GET", parts, body));
          return;
        }
        const n = counter++;
        const fault =
          options.faultAt?.({ system, method: req.method ?? "GET", path: url.pathname, n }) ??
          faultFor(faults, seed, i, n);
        const entry: RequestLogEntry = {
          system,
          method: req.method ?? "GET",
          path: url.pathname,
          query: parseQuery(url.searchParams),
          status: 0,
          time: new Date().toISOString(),
        };
        requestLog.push(entry);
        if (fault.kind === "reset") {
          entry.status = -1;
          req.socket.destroy();
          return;
        }
        if (fault.kind === "slow") await new Promise((r) => setTimeout(r, fault.ms));
        let out: SandboxResponse;
        const key = listKey(entry.method, url.pathname, entry.query, raw);
        const previous = key ? lastPages.get(key) : undefined;
        if (fault.kind === "replay" && !previous) replayOwed = true;
        if ((fault.kind === "replay" || (fault.kind === "none" && replayOwed)) && previous) {
          out = previous;
          entry.replayed = true;
          replayOwed = false;
        } else if (fault.kind === "throttle") out = module.faults.throttled(fault.retryAfterSeconds);
        else if (fault.kind === "error") out = module.faults.serverError();
        else {
          const sreq: SandboxRequest = {
            method: req.method ?? "GET",
            path: url.pathname,
            query: entry.query,
            rawQuery: url.search.slice(1),
            headers: req.headers,
            rawBody: raw,
            body,
            url: url.toString(),
          };
          try {
            out = await emulator.handle(sreq);
          } catch (err) {
            out = {
              status: 500,
              body: { error: `sandbox ${system} emulator failed: ${(err as Error).message}` },
            };
          }
        }
        if (key && out.status === 200 && out !== previous) lastPages.set(key, out);
        entry.status = out.status;
        send(res, out, fault.kind === "truncate" && out.status < 300 ? "truncate" : "full", store.now());
      })().catch((err: unknown) => {
        if (!res.headersSent) send(res, { status: 500, body: { error: String(err) } });
      });
    });
  });

  const c = SANDBOX_CREDENTIALS;
  const env: Record<string, string> = {
    SALESFORCE_INSTANCE_URL: urls.salesforce,
    SALESFORCE_ACCESS_TOKEN: c.salesforce.accessToken,
    STRIPE_API_KEY: c.stripe.apiKey,
    STRIPE_API_BASE: urls.stripe,
    NETSUITE_ACCOUNT_ID: c.netsuite.accountId,
    NETSUITE_CONSUMER_KEY: c.netsuite.consumerKey,
    NETSUITE_CONSUMER_SECRET: c.netsuite.consumerSecret,
    NETSUITE_TOKEN_ID: c.netsuite.tokenId,
    NETSUITE_TOKEN_SECRET: c.netsuite.tokenSecret,
    NETSUITE_BASE_URL: urls.netsuite,
    ZENDESK_BASE_URL: urls.zendesk,
    ZENDESK_EMAIL: c.zendesk.email,
    ZENDESK_API_TOKEN: c.zendesk.apiToken,
    HUBSPOT_BASE_URL: urls.hubspot,
    HUBSPOT_ACCESS_TOKEN: c.hubspot.accessToken,
    // The world's as-of: commands reconcile as of it when not given --as-of, as the demo does.
    TRUEUP_AS_OF: store.asOf.toISOString(),
  };
  if (options.worldDir) {
    env.ERP_EXPORT_DIR = path.resolve(options.worldDir, "erp_exports");
    env.FX_RATES_FILE = path.resolve(options.worldDir, "fx_rates.csv");
  }

  return {
    store,
    urls,
    env,
    requestLog,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
