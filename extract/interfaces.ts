import type { HttpClient } from "./http/interfaces.js";
import type { Credentials } from "../config/credentials.js";
import type { Config, SourceSystem } from "../config/schema.js";
import type { Logger } from "../core/log.js";
import type { Cursor, ExtractBatch, StreamDescriptor } from "../load/interfaces.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";

/**
 * A source (dlt's "source") offers streams ("resources"). Every source folder under
 * `extract/sources/<system>/` has the same files:
 *   source.ts       — `export const <system>Source: Source`: which streams, built from config
 *   streams.ts      — the stream descriptors: keys, version column, declared column types
 *   client.ts       — the HTTP client for the vendor (extract/http): base URL, auth, budgets
 *   incremental.ts  — how a stream's cursor is read, advanced and resumed
 *   index.ts        — re-exports
 * Nothing in extract/ knows whether it talks to the vendor or the sandbox: URLs and credentials
 * come from `SourceContext.credentials`.
 */
export interface SourceContext {
  runId: string;
  config: Config;
  credentials: Credentials;
  log: Logger;
  /** For sources that keep extra state beside the cursor (file checksums…); read-only use. */
  warehouse: WarehouseSession;
  fullRefresh: boolean;
  /** The emulated or real "now" is the vendor's business; this is the extract's own clock. */
  now: () => Date;
  /** Told of each HTTP client the source makes, so the run can report its requests and retries. */
  onClient?: (client: HttpClient) => void;
}

export interface StreamHandle {
  descriptor: StreamDescriptor;
  /** Reads from `cursor` (undefined: from the start); each batch says the cursor after it. */
  read(cursor: Cursor | undefined): AsyncIterable<ExtractBatch>;
  /**
   * A full refresh: runs in the transaction that swaps the re-read rows in, for state the source
   * keeps beside its cursor (the file ledger), so that state changes with the data it describes.
   */
  replaced?(tx: WarehouseSession): Promise<void>;
}

export interface Source {
  readonly name: SourceSystem;
  /** Stream names from config alone (no credentials, no I/O), for building the DAG. */
  declaredStreams(config: Config): string[];
  /** The streams enabled by config, or an error (ConfigError) saying what is missing. */
  streams(ctx: SourceContext): Promise<StreamHandle[]> | StreamHandle[];
}
