import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCursor } from "../../load/state.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { faultEnv, runTrueup } from "../helpers/faults.js";
import { startRestApi, type RestApi } from "../helpers/rest-api.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";
import { itemsResource, restConfigFile } from "../helpers/rest-styles.js";

/**
 * `trueup extract` of a REST source declared in a config file, SIGKILLed while the API holds a
 * page open (so every page before it has committed, whatever the machine's speed), then run
 * again: every record lands once, the resumed run starting at the page it was killed on.
 */

const BIN = path.join(REPO_ROOT, "bin/trueup.js");

describe("a REST source's extract killed mid-stream, then resumed", () => {
  let api: RestApi;
  let t: TestDatabase;
  let dir: string;
  let file: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    api = await startRestApi();
    t = await createTestDatabase();
    const cfg = restConfigFile("killme", {
      items: {
        ...itemsResource("post_cursor"),
        // The start value as a placeholder in the body, rather than by bodyPath.
        body: { limit: 10, filter: { updated_after: "{incremental.start}" } },
        incremental: { cursorPath: "updated_at", initialValue: "2025-01-01T00:00:00.000Z" },
      },
    });
    dir = cfg.dir;
    file = cfg.file;
    env = faultEnv(t.url, cfg.env(api));
  });
  afterAll(async () => {
    await t?.drop();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = () => ["extract", "killme", "--config", file];

  it("lands every record once", async () => {
    const killed = await new Promise<{ signal: string | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args()], {
        cwd: REPO_ROOT,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      // Page 3 of 4: the request for it comes only after pages 1 and 2 committed.
      api.holdAt(3, () => child.kill("SIGKILL"));
      const guard = setTimeout(() => child.kill("SIGKILL"), 120_000);
      child.on("error", reject);
      child.on("close", (_code, signal) => {
        clearTimeout(guard);
        resolve({ signal, stderr });
      });
    });
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const [raw] = await t.warehouse.query<{ n: string }>(`SELECT count(*) AS n FROM raw.killme__items`);
    expect(Number(raw!.n)).toBe(20);
    const cursor = (await readCursor(t.warehouse, "killme", "items")) as {
      pass?: { next: { body: { after: string } } };
    };
    expect(cursor.pass?.next.body.after).toBe("20");

    const before = api.log.length;
    const resumed = await runTrueup(args(), env);
    expect(resumed.code, resumed.stderr).toBe(0);
    // The resumed run asks for page 3 first, with the filter of the pass it resumes.
    expect(api.log[before]!.body).toEqual({
      limit: 10,
      filter: { updated_after: "2025-01-01T00:00:00.000Z" },
      after: "20",
    });
    const [counts] = await t.warehouse.query<{ raw: string; ids: string; staged: string }>(
      `SELECT (SELECT count(*) FROM raw.killme__items) AS raw,
              (SELECT count(DISTINCT _trueup_payload->>'id') FROM raw.killme__items) AS ids,
              (SELECT count(*) FROM staging.killme__items) AS staged`,
    );
    expect(counts).toEqual({ raw: "40", ids: "40", staged: "40" });
  });
});
