import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { registerEnvSecrets } from "../../config/credentials.js";
import { errorMessage } from "../../core/errors.js";
import { createLogger } from "../../core/log.js";
import { REDACTED, redact, redactText, redactedJson, registerSecret } from "../../core/redact.js";
import { HttpError } from "../../extract/http/errors.js";
import { REPO_ROOT } from "../helpers/cli.js";

const token = `tok_${randomBytes(9).toString("hex")}+/="&<>`;
registerSecret(token);

/** base64 of `text`, embedded after `prefix` bytes of other text, as a Basic header carries it. */
const embedded = (prefix: string) => Buffer.from(`${prefix}${token} and more`).toString("base64");

describe("redactText: a registered secret in every form it travels in", () => {
  it.each([
    ["as is", token],
    ["URL-encoded", encodeURIComponent(token)],
    ["form-encoded", encodeURIComponent(token).replace(/%20/g, "+")],
    ["JSON-escaped", JSON.stringify(token).slice(1, -1)],
    [
      "HTML-escaped",
      token.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"),
    ],
    ["base64", Buffer.from(token).toString("base64")],
    ["base64url", Buffer.from(token).toString("base64url")],
  ])("%s", (_, form) => {
    const out = redactText(`before ${form} after`);
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it("inside a longer base64 text, at each of the three alignments", () => {
    for (const prefix of ["", "a", "ab", "abc", "ops@example.com/token:"]) {
      const b64 = embedded(prefix);
      const out = redactText(`Authorization was ${b64}`);
      expect(out).toContain(REDACTED);
      // What is left of the base64 text no longer decodes to anything holding the secret.
      for (const piece of out.split(REDACTED))
        expect(Buffer.from(piece, "base64").toString()).not.toContain(token);
    }
  });
});

describe("redactText: credentials by shape, ours or not", () => {
  it.each([
    [
      "URL userinfo",
      "connect postgres://app:s3cr%40t@db.internal:5432/x failed",
      "connect postgres://app:[redacted]@db.internal:5432/x failed",
    ],
    ["Authorization header", "Authorization: Bearer abc.def-ghi_123", "Authorization: Bearer [redacted]"],
    [
      "Authorization in JSON",
      '{"authorization":"Basic dXNlcjpwYXNz"}',
      '{"authorization":"Basic [redacted]"}',
    ],
    ["a bare Bearer token", "echoed Bearer eyJhbGciOiJIUzI1NiJ9x", "echoed Bearer [redacted]"],
    ["a bare Basic credential", "got Basic b3BzQGV4YW1wbGUuY29tL3Rva2Vu back", "got Basic [redacted] back"],
    [
      "Stripe secret key",
      "Invalid API Key provided: sk_live_51HxAbCdEfGh",
      "Invalid API Key provided: [redacted]",
    ],
    ["Stripe restricted key", "key rk_test_51HxAbCdEfGh is restricted", "key [redacted] is restricted"],
    ["Salesforce session id", "sid 00D5g000004ABCD!AQ0AQHfakeSessionTokenValue123", "sid [redacted]"],
    [
      "OAuth 1.0a header",
      'OAuth realm="123_SB1", oauth_consumer_key="ck1234", oauth_token="tk1234", oauth_signature="a%2Bb%3D"',
      'OAuth realm="123_SB1", oauth_consumer_key="[redacted]", oauth_token="[redacted]", oauth_signature="[redacted]"',
    ],
    ["key=value", "retry with password=hunter22&user=x", "retry with password=[redacted]&user=x"],
  ])("%s", (_, text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it("leaves ordinary text alone", () => {
    for (const text of [
      "Basic information about Basic setup",
      "salesforce GET http://127.0.0.1:4010/services/data/v61.0/query?q=SELECT+Id → 401: INVALID_SESSION_ID: Session expired or invalid",
      "http://host:8080/path@section",
      "authorization failed for user postgres",
      "loaded 3 tokens, 12 rows",
    ])
      expect(redactText(text)).toBe(text);
  });

  it("is idempotent: text redacted where it is stored comes out the same where it is printed", () => {
    for (const text of [
      `Authorization: Basic ${Buffer.from(`x:${token}`).toString("base64")}`,
      '{"authorization":"OAuth realm=\\"1\\", oauth_signature=\\"abc\\""}',
      "password=[redacted] and sk_test_51HxAbCdEfGh",
    ]) {
      const once = redactText(text);
      expect(redactText(once)).toBe(once);
    }
  });
});

describe("registerEnvSecrets", () => {
  it("takes every credential-named variable, URL passwords and the Zendesk Basic credential", () => {
    const v = () => randomBytes(8).toString("hex");
    const env = {
      CORP_PROXY_PASSWORD: `p_${v()}`,
      SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: `k_${v()}`,
      MY_API_KEY: `a_${v()}`,
      ORCHESTRATOR_DATABASE_URL: `postgres://u:${encodeURIComponent(`w@/${v()}`)}@db/x`,
      ZENDESK_EMAIL: "ops@example.com",
      ZENDESK_API_TOKEN: `z_${v()}`,
      WAREHOUSE_REGION: `visible_${v()}`,
    };
    registerEnvSecrets(env);
    const basic = Buffer.from(`${env.ZENDESK_EMAIL}/token:${env.ZENDESK_API_TOKEN}`).toString("base64");
    const password = decodeURIComponent(new URL(env.ORCHESTRATOR_DATABASE_URL).password);
    const text = [
      env.CORP_PROXY_PASSWORD,
      env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
      env.MY_API_KEY,
      password,
      basic,
      env.WAREHOUSE_REGION,
    ].join(" ");
    expect(redactText(text)).toBe(`${Array(5).fill(REDACTED).join(" ")} ${env.WAREHOUSE_REGION}`);
  });
});

describe("errorMessage", () => {
  it("is the redacted text of what was thrown, Error or not", () => {
    expect(errorMessage(new Error(`write failed: ${token}`))).toBe(`write failed: ${REDACTED}`);
    expect(errorMessage(`Authorization: Bearer ${token}`)).toBe(`Authorization: Bearer ${REDACTED}`);
  });
});

describe("redact and redactedJson", () => {
  it("mask secret-named keys, redact every string, keep dates and valid JSON", () => {
    const value = {
      at: new Date("2026-12-01T00:00:00Z"),
      apiKey: "anything-at-all",
      nested: [{ note: `sent ${token}`, rows: 3 }],
    };
    expect(redact(value)).toEqual({
      at: "2026-12-01T00:00:00.000Z",
      apiKey: REDACTED,
      nested: [{ note: `sent ${REDACTED}`, rows: 3 }],
    });
    expect(JSON.parse(redactedJson(value))).toEqual(redact(value));
  });
  it("an error keeps its class and fields, its message, stack and body redacted", () => {
    const err = new HttpError(
      `401: Invalid API Key provided: ${token}`,
      401,
      "https://api.example.com",
      {
        error: { message: `Invalid API Key provided: ${token}` },
      },
      false,
    );
    const copy = redact(err) as HttpError;
    expect(copy).toBeInstanceOf(HttpError);
    expect(copy.message).toBe(`401: Invalid API Key provided: ${REDACTED}`);
    expect(copy.stack).not.toContain(token);
    expect(copy).toMatchObject({
      status: 401,
      body: { error: { message: `Invalid API Key provided: ${REDACTED}` } },
    });
    expect(err.message).toContain(token); // the original is left alone
  });
});

describe("the logger", () => {
  it("masks at trace as at every level, in the object and in the message", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ level: "trace", destination: destination as never, pretty: false });
    log.trace(
      {
        headers: {
          authorization: `Bearer ${token}`,
          "x-echo": `Basic ${Buffer.from(`u:${token}`).toString("base64")}`,
        },
      },
      `http request to https://u:${encodeURIComponent(token)}@api.example.com`,
    );
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(token);
    expect(line).not.toContain(encodeURIComponent(token));
    expect(line).not.toContain(Buffer.from(`u:${token}`).toString("base64"));
    expect(JSON.parse(line)).toMatchObject({
      level: "trace",
      headers: { authorization: REDACTED, "x-echo": `Basic ${REDACTED}` },
      msg: `http request to https://u:${REDACTED}@api.example.com`,
    });
  });
});

describe("the pretty log format", () => {
  it("is masked as the JSON one is", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-pretty-"));
    try {
      const script = path.join(dir, "pretty.mts");
      const core = (f: string) => JSON.stringify(pathToFileURL(path.join(REPO_ROOT, "core", f)).href);
      writeFileSync(
        script,
        `import { createLogger } from ${core("log.ts")};
        import { registerSecret } from ${core("redact.ts")};
        registerSecret(process.env.SECRET);
        const log = createLogger({ level: "trace", pretty: true });
        log.trace({ headers: { authorization: "Bearer " + process.env.SECRET }, note: "sent " + process.env.SECRET }, "request with " + process.env.SECRET);
        setTimeout(() => undefined, 300);\n`,
      );
      const secret = `pretty_${randomBytes(8).toString("hex")}`;
      const r = spawnSync(process.execPath, ["--import", "tsx", script], {
        cwd: REPO_ROOT,
        env: { ...process.env, SECRET: secret },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stderr + r.stdout).toContain(`request with ${REDACTED}`);
      expect(r.stderr + r.stdout).toContain(`sent ${REDACTED}`);
      expect(r.stderr + r.stdout).not.toContain(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a command's crash", () => {
  it("an error thrown outside the command's own chain is printed redacted, and exits 1", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "trueup-crash-"));
    try {
      const script = path.join(dir, "crash.mts");
      const context = pathToFileURL(path.join(REPO_ROOT, "cli/context.ts")).href;
      writeFileSync(
        script,
        `import { runCommand } from ${JSON.stringify(context)};
        await runCommand({}, async () => {
          setTimeout(() => { throw new Error("socket closed while sending " + process.env.STRIPE_API_KEY); }, 10);
          await new Promise(() => undefined);
        });\n`,
      );
      const key = `sk_test_${randomBytes(8).toString("hex")}`;
      const r = spawnSync(process.execPath, ["--import", "tsx", script], {
        cwd: REPO_ROOT,
        env: { ...process.env, STRIPE_API_KEY: key, TRUEUP_LOG_LEVEL: "info" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `trueup: unexpected failure: Error: socket closed while sending ${REDACTED}`,
      );
      expect(r.stderr + r.stdout).not.toContain(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
