import type { SandboxResponse } from "../interfaces.js";

/** Zendesk's error body: an error code, and a description where Zendesk gives one. */
export function zdError(status: number, error: string, description?: string): SandboxResponse {
  return { status, body: description ? { error, description } : { error } };
}
