import { escapeHtml } from "./html.js";
/**
 * The one redaction used wherever trueup stores or prints text: log lines, error texts,
 * command output (`--json` too), the HTML report and the warehouse rows that hold messages.
 *
 * Two kinds of masking, applied in this order:
 * - by value: every registered secret (environment credentials, warehouse passwords, the
 *   Authorization values trueup builds) in each form it can travel in — as is, URL-encoded,
 *   OAuth-encoded, JSON-escaped, HTML-escaped and base64 (also inside a longer base64 text,
 *   at each of the three alignments, which is how a Basic header carries a token);
 * - by shape: URL userinfo passwords, Authorization values of any scheme, OAuth 1.0a
 *   parameters, and credentials vendors are known to echo even when they are not ours
 *   (Stripe `sk_`/`rk_` keys, Salesforce session ids, JWTs).
 */

export const REDACTED = "[redacted]";

/** Shorter values would mask ordinary words; real credentials are longer. */
const MIN_SECRET_LENGTH = 6;

const secretForms = new Set<string>();
/** Base64 of a secret inside longer base64 text: masked with the few characters around it. */
const base64Forms = new Set<string>();
let secretPattern: RegExp | undefined;

/** RFC 3986 percent-encoding as OAuth 1.0a uses it (encodeURIComponent leaves !*'() alone). */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The base64 characters that encode `bytes` wherever they sit in a longer text: for each of the
 * three alignments, the characters made only of the value's own bits (the edges mix in the
 * neighbours' bits and differ from text to text).
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString("base64");
    const start = Math.ceil((pad * 8) / 6);
    const end = Math.floor(((pad + bytes.length) * 8) / 6);
    cores.push(b64.slice(start, end));
  }
  return cores;
}

function formsOf(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const forms = [
    value,
    encodeURIComponent(value),
    rfc3986(value),
    encodeURIComponent(value).replace(/%20/g, "+"),
    JSON.stringify(value).slice(1, -1),
    escapeHtml(value),
    bytes.toString("base64"),
    bytes.toString("base64url"),
  ];
  return forms;
}

/** The secret's base64 at each alignment, base64url too (it differs only in two characters). */
function base64FormsOf(value: string): string[] {
  const cores = base64Cores(Buffer.from(value, "utf8"));
  return [...cores, ...cores.map((c) => c.replace(/\+/g, "-").replace(/\//g, "_"))];
}

/** Registers a secret: from now on it is masked, in every form above, in all redacted text. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  let added = false;
  for (const form of formsOf(value)) {
    if (form.length < MIN_SECRET_LENGTH || secretForms.has(form)) continue;
    secretForms.add(form);
    added = true;
  }
  for (const form of base64FormsOf(value)) {
    if (form.length < MIN_SECRET_LENGTH || base64Forms.has(form)) continue;
    base64Forms.add(form);
    added = true;
  }
  if (added) secretPattern = undefined;
}

/** The password of a URL's userinfo (percent-decoded), registered as a secret; ignores non-URLs. */
export function registerUrlSecret(url: string | undefined | null): void {
  if (!url) return;
  try {
    const u = new URL(url);
    if (u.password) {
      registerSecret(u.password);
      registerSecret(decodeURIComponent(u.password));
    }
  } catch {
    /* not a URL: nothing to take from it */
  }
}

export function registeredSecrets(): ReadonlySet<string> {
  return new Set([...secretForms, ...base64Forms]);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function registeredPattern(): RegExp | undefined {
  if (secretForms.size === 0) return undefined;
  // Longest first, so that a secret is masked whole rather than around a shorter one inside it.
  const alternation = (forms: Set<string>) =>
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|");
  // Inside base64 text the characters next to the secret's own carry some of its bits too:
  // they go with it (up to the 3 before and 3 after, padding included, that an alignment mixes).
  secretPattern ??= new RegExp(
    `(?:${alternation(secretForms)})|[A-Za-z0-9+/_-]{0,3}(?:${alternation(base64Forms)})[A-Za-z0-9+/_-]{0,3}={0,2}`,
    "g",
  );
  return secretPattern;
}

/** Characters that end a credential in running text, a header, JSON or a query string. */
const END = `\\s"'\\\\<>&,;)}\\]`;
/** Not again: text is redacted where it is stored and again where it is printed. */
const FRESH = `(?!\\[redacted\\])`;

const SCHEME = "(?:Bearer|Basic|Token|Digest|Negotiate)";

const SHAPES: [RegExp, string][] = [
  // URL userinfo: keep the user name (it says who), mask the password.
  [new RegExp(`\\b([a-z][a-z0-9+.-]*://[^\\s:/@"'<>]*):${FRESH}[^\\s/@"'<>]*@`, "gi"), `$1:${REDACTED}@`],
  // Authorization / Proxy-Authorization values in headers, JSON or logfmt; an OAuth 1.0a value
  // keeps its realm (an account id) and loses its parameters by the rule below.
  [
    new RegExp(
      `\\b((?:proxy-)?authorization\\\\?["']?\\s*[:=]\\s*\\\\?["']?\\s*(?!OAuth\\s)(?:${SCHEME}\\s+)?)(?!${SCHEME}\\s)${FRESH}[^\\s"'\\\\,;)}\\]][^"'\\\\\\r\\n]*`,
      "gi",
    ),
    `$1${REDACTED}`,
  ],
  // A bearer token anywhere (a vendor echoing the header without its name).
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=!-]{6,}/g, `$1${REDACTED}`],
  // A Basic credential anywhere: base64 with a digit or base64 punctuation (an English word has neither).
  [/\b(Basic\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g, `$1${REDACTED}`],
  // OAuth 1.0a parameters in a header or a query string, quoted or escaped.
  [
    new RegExp(
      `\\b(oauth_(?:signature|token|token_secret|consumer_key|consumer_secret|verifier)(?:\\\\?["']?\\s*[=:]\\s*\\\\?["']?))${FRESH}[^${END}]+`,
      "gi",
    ),
    `$1${REDACTED}`,
  ],
  // Stripe secret and restricted keys, webhook secrets.
  [/\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{6,}/g, REDACTED],
  [/\bwhsec_[A-Za-z0-9]{6,}/g, REDACTED],
  // Salesforce session ids (org id, '!', session).
  [/\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{16,}/g, REDACTED],
  // JSON web tokens.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  // key=value and "key": "value" pairs whose key names a credential.
  [
    new RegExp(
      `((?:\\b|["'])[\\w-]*?(?:password|passwd|pwd|client_secret|consumer_secret|token_secret|api_?key|access_token|refresh_token|secret)\\\\?["']?\\s*[=:]\\s*\\\\?["']?)${FRESH}[^${END}]+`,
      "gi",
    ),
    `$1${REDACTED}`,
  ],
];

/** A word every shape above contains; text without any is left to the registered secrets. */
const SHAPE_HINT =
  /:\/\/|authorization|bearer|basic|oauth_|sk_|rk_|whsec_|00D|eyJ|passw|pwd|secret|api_?key|_token/i;

/** Text with every registered secret and every credential-shaped value masked. */
export function redactText(text: string): string {
  // Nothing shorter can hold a registered secret or any of the shapes.
  if (!text || text.length < MIN_SECRET_LENGTH) return text;
  let out = text;
  const registered = registeredPattern();
  if (registered) out = out.replace(registered, REDACTED);
  // One pass for whether any shape could be there; most log lines have none.
  if (SHAPE_HINT.test(out))
    for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
}

/** Keys whose values are secrets wherever they appear in an object, at any depth. */
const SECRET_KEY =
  /(secret|token|password|passwd|api[_-]?key|authorization|private[_-]?key|credential|cookie)/i;

/** Deep copy of `value` with secret-named keys masked and every string redacted. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12) return "[too deep]";
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) {
    // A copy of the same class, so that the log's error serializer still names it (HttpError,
    // not Object), with its message, stack and own fields (a vendor's body) redacted.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error;
    for (const key of ["name", "message", "stack"] as const)
      if (typeof value[key] === "string")
        Object.defineProperty(copy, key, {
          value: redactText(value[key]),
          writable: true,
          configurable: true,
        });
    // Own enumerable fields as an object's: secret-named keys masked, strings redacted.
    return Object.assign(copy, redact({ ...value }, depth + 1));
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  // Dates and the like: what JSON would hold.
  if (value && typeof (value as { toJSON?: unknown }).toJSON === "function")
    return redact((value as { toJSON: () => unknown }).toJSON(), depth + 1);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] =
        SECRET_KEY.test(k) && v != null && v !== "" && typeof v !== "object"
          ? REDACTED
          : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** JSON text of `value` with every string redacted (keys masked as in redact()); for storing. */
export function redactedJson(value: unknown): string {
  return redactText(JSON.stringify(redact(value ?? {})));
}

/**
 * Masks an error's own message and stack in place, for an error handed on to code that stores
 * it itself (graphile-worker keeps a failed job's message in its queue table).
 */
export function redactError<T>(err: T): T {
  if (err instanceof Error) {
    err.message = redactText(err.message);
    if (err.stack) err.stack = redactText(err.stack);
  }
  return err;
}
