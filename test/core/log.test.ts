import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readCredentials } from "../../config/credentials.js";
import { parseConfig } from "../../config/load.js";
import { createLogger } from "../../core/log.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream };
}

describe("structured logs", () => {
  const env = {
    STRIPE_API_KEY: "sk_test_51VerySecretKeyValue",
    SALESFORCE_INSTANCE_URL: "http://127.0.0.1:4010",
    SALESFORCE_ACCESS_TOKEN: "00Dxx!AQ4AQFakeTokenValue",
    ZENDESK_BASE_URL: "http://127.0.0.1:4013",
    ZENDESK_EMAIL: "ops@example.com",
    ZENDESK_API_TOKEN: "zdTokenValue12345",
  };

  it("one JSON object a line, carrying the run id", () => {
    const { lines, stream } = capture();
    const log = createLogger({ runId: "20261122T000000Z-abc", destination: stream, pretty: false });
    log.info({ rows: 3 }, "loaded");
    log.child({ source: "stripe" }).warn("slow");
    expect(lines).toHaveLength(2);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({
      level: "info",
      run_id: "20261122T000000Z-abc",
      rows: 3,
      msg: "loaded",
    });
    expect(parsed[1]).toMatchObject({ level: "warn", run_id: "20261122T000000Z-abc", source: "stripe" });
  });

  it("masks secrets by key and by value, in objects, messages and errors", () => {
    const creds = readCredentials(env);
    const { lines, stream } = capture();
    const log = createLogger({ runId: "r1", destination: stream, pretty: false });
    log.info({ credentials: creds, config: parseConfig({}) }, "starting with credentials");
    log.info({ apiKey: "whatever-it-is-123", nested: { password: "hunter2hunter2" } }, "by key");
    log.warn(`request to https://api.example.com?key=${env.STRIPE_API_KEY} failed`);
    log.error({ err: new Error(`auth failed for token ${env.ZENDESK_API_TOKEN}`) }, "boom");
    const out = lines.join("");
    for (const secret of [
      env.STRIPE_API_KEY,
      env.SALESFORCE_ACCESS_TOKEN,
      env.ZENDESK_API_TOKEN,
      "whatever-it-is-123",
      "hunter2hunter2",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[redacted]");
    expect(out).toContain("ops@example.com"); // not a secret: still visible
  });
});
