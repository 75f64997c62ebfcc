import type { IncomingMessage, ServerResponse } from "node:http";

/** The finance page's HTTP plumbing: cookies, forms, responses, and the errors routes raise. */

export const SESSION_COOKIE = "trueup_session";
export const LOGIN_COOKIE = "trueup_login";
const MAX_BODY = 64 * 1024;

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

export function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

export function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : []),
  ].join("; ");
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded"))
    throw new HttpProblem(
      415,
      "Unsupported form",
      "post the page's form (application/x-www-form-urlencoded)",
    );
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new HttpProblem(413, "Form too large", `a form may hold at most ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    // No script runs on these pages; forms post only here; nothing frames them.
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    ...headers,
  });
  res.end(body);
}

export function redirect(
  res: ServerResponse,
  to: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(303, { location: to, "cache-control": "no-store", ...headers });
  res.end();
}

/** Only a path on this server: a `next` pointing elsewhere would make the login an open redirect. */
export function localPath(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

export function numberParam(v: string | null): number | undefined {
  if (v === null || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function required(form: URLSearchParams, name: string, what: string): string {
  const v = form.get(name)?.trim();
  if (!v) throw new HttpProblem(400, "Missing field", `${what} is required`);
  return v;
}

export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
