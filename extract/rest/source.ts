import { restSources, type RestResourceConfig, type RestSourceConfig } from "../../config/rest-source.js";
import type { Config, SourceSystem } from "../../config/schema.js";
import { ConfigError } from "../../core/errors.js";
import type { StreamDescriptor } from "../../load/interfaces.js";
import { snakeCase } from "../../load/naming.js";
import type { ColumnType } from "../../warehouse/interfaces.js";
import { createHttpClient } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import type { HttpResponse } from "../http/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../interfaces.js";
import { restAuth } from "./auth.js";
import type { PageRequest } from "./paginators.js";
import { primaryKeyPaths, readChild, readResource, type ResourceReader } from "./stream.js";

/** A dotted record path as its staging column (`meta.updated_at` → `meta__updated_at`). */
export const columnOf = (path: string) => path.split(".").map(snakeCase).join("__");

function configOf(config: Config, name: string): RestSourceConfig | undefined {
  return restSources(config).find(([n]) => n === name)?.[1];
}

function enabled(cfg: RestSourceConfig | undefined): string[] {
  if (!cfg?.enabled) return [];
  return cfg.streams ?? Object.keys(cfg.resources);
}

export function restDescriptor(source: string, stream: string, r: RestResourceConfig): StreamDescriptor {
  const inc = r.incremental;
  const versionColumn = inc ? columnOf(inc.cursorPath) : undefined;
  const columnTypes: Record<string, ColumnType> = {};
  if (versionColumn) columnTypes[versionColumn] = inc!.format === "iso" ? "timestamptz" : "numeric";
  return {
    source,
    stream,
    primaryKey: primaryKeyPaths(r).map(columnOf),
    versionColumn,
    columnTypes,
    flattenDepth: r.flattenDepth,
    description:
      r.description ??
      `${source} ${stream}: ${r.method} ${r.path}${r.parent ? `, once per ${r.parent} record` : ""}${inc ? `, incremental on ${inc.cursorPath}` : ""}.`,
  };
}

/** Every enabled stream of the config's REST sources, described from config alone (`trueup compile`). */
export function restDescriptors(config: Config): StreamDescriptor[] {
  return restSources(config).flatMap(([name, cfg]) =>
    enabled(cfg).map((stream) => restDescriptor(name, stream, cfg.resources[stream]!)),
  );
}

/**
 * A source declared in config (`sources.<name>: { type: "rest", … }`): its resources are streams
 * read by the one REST engine (extract/http) — retries, rate limits, budgets, timeouts and the
 * run id header as for the built-in sources — and land as `<name>__<resource>`.
 */
export function restSource(name: string, env: NodeJS.ProcessEnv = process.env): Source {
  return {
    // A source named in config, not one of the built-in systems.
    name: name as SourceSystem,
    declaredStreams: (config) => enabled(configOf(config, name)),
    streams(ctx: SourceContext): StreamHandle[] {
      const cfg = configOf(ctx.config, name);
      const names = enabled(cfg);
      if (!cfg || !names.length) return [];
      const baseUrl = (cfg.baseUrlEnv && env[cfg.baseUrlEnv]) || cfg.baseUrl;
      if (!baseUrl)
        throw new ConfigError(
          `sources.${name}.baseUrlEnv: environment variable ${cfg.baseUrlEnv} is not set (and no baseUrl is given)`,
        );
      const common = {
        source: name,
        baseUrl,
        runId: ctx.runId,
        log: ctx.log,
        timeoutMs: cfg.timeoutMs,
        maxRetries: cfg.maxRetries,
      };
      const auth = restAuth(cfg.auth, { ...common, env });
      const http = createHttpClient({
        ...common,
        auth: auth.plugin,
        concurrency: cfg.concurrency,
        requestsPerSecond: cfg.requestsPerSecond,
        retry: { maxRetries: cfg.maxRetries },
      });
      ctx.onClient?.(http);
      const send = async (req: PageRequest, headers: Record<string, string>): Promise<HttpResponse> => {
        const r = { ...req, headers: { ...cfg.headers, ...headers } };
        await auth.ready();
        try {
          return await http.request(r);
        } catch (err) {
          // An expired or revoked token: one new token, one more try.
          if (!(err instanceof HttpError && err.status === 401 && auth.refresh)) throw err;
          ctx.log.info({ source: name }, "401 from the API: fetching a new token");
          await auth.refresh();
          return await http.request(r);
        }
      };
      const reader = (stream: string): ResourceReader => {
        const resource = cfg.resources[stream]!;
        return {
          source: name,
          name: stream,
          resource,
          paginator: resource.paginator ?? cfg.paginator,
          lookbackSeconds: resource.incremental?.lookbackSeconds ?? cfg.lookbackSeconds ?? 0,
          send,
          now: ctx.now,
        };
      };
      return names.map((stream): StreamHandle => {
        const rd = reader(stream);
        const parent = rd.resource.parent;
        return {
          descriptor: restDescriptor(name, stream, rd.resource),
          read: (cursor) => (parent ? readChild(rd, reader(parent), cursor) : readResource(rd, cursor)),
        };
      });
    },
  };
}
