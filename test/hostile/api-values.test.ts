import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.js";
import { sandboxWorld, type SandboxWorld } from "../helpers/sandbox-world.js";
import { createTestDatabase, type TestDatabase } from "../helpers/warehouse.js";

/**
 * Hostile values planted in the vendors' records (the sandbox's admin PATCH, as a user's edit),
 * then `trueup extract` as a user runs it: the stream succeeds, the bad record or field is in
 * trueup.rejects with its id, field and reason, other records' later changes load, and the next
 * run is clean.
 */
let w: SandboxWorld;
let t: TestDatabase;
beforeAll(async () => {
  w = await sandboxWorld(29, 0.1);
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  await w?.close();
});

interface StreamOut {
  source: string;
  stream: string;
  status: string;
  rows: number;
  rejects: number;
  error?: string;
}
async function extract(stream: string): Promise<StreamOut> {
  const r = await runCli(["--json", "extract", stream], {
    cwd: REPO_ROOT,
    env: { ...w.sandbox.env, WAREHOUSE_URL: t.url },
    timeoutMs: 90_000,
  });
  const out = JSON.parse(r.stdout) as { streams: StreamOut[] };
  const s = out.streams.find((x) => `${x.source}.${x.stream}` === stream);
  expect(s, r.stderr).toBeDefined();
  return s!;
}
async function patch(system: string, object: string, id: unknown, body: object) {
  const r = await fetch(`${w.sandbox.urls.stripe}/__sandbox/${system}/${object}/${String(id)}`, {
    method: "PATCH",
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(200);
}
const rejectsOf = (source: string, stream: string) =>
  t.warehouse.query<{ record_key: string | null; field: string | null; reason: string; record: unknown }>(
    `SELECT record_key, field, reason, record FROM trueup.rejects WHERE source = $1 AND stream = $2 ORDER BY id`,
    [source, stream],
  );

describe("hostile values from the vendor APIs", () => {
  it("Stripe: a NUL and a lone surrogate reject their record only; later changes of others load; the next run is clean", async () => {
    expect(await extract("stripe.customers")).toMatchObject({ status: "succeeded", rejects: 0 });
    const live = w.jsonl("stripe/customers.jsonl").filter((c) => c.deleted !== true);
    const [a, b, c] = live.map((x) => String(x.id));
    await patch("stripe", "customers", a, { description: "before\u0000after" });
    await patch("stripe", "customers", b, { metadata: { note: "half \ud800 a pair" } });
    await patch("stripe", "customers", c, { email: "first-change@example.com" });
    const first = await extract("stripe.customers");
    expect(first).toMatchObject({ status: "succeeded", rejects: 2 });
    const rejects = await rejectsOf("stripe", "customers");
    rejects.sort((x, y) => (x.field! < y.field! ? -1 : 1));
    expect(rejects.map((r) => [r.record_key, r.field])).toEqual([
      [a, "description"],
      [b, "metadata.note"],
    ]);
    expect(rejects[0]!.reason).toMatch(/NUL character \(U\+0000\).*not loaded/);
    expect(rejects[1]!.reason).toMatch(/lone UTF-16 surrogate \(U\+D800\)/);
    expect(rejects[0]!.record).toMatchObject({ id: a, description: "before\\u0000after" });
    const email = async (id: string) =>
      (
        await t.warehouse.query<{ email: string }>(
          `SELECT email FROM staging.stripe__customers WHERE id = $1`,
          [id],
        )
      )[0]?.email;
    expect(await email(c!)).toBe("first-change@example.com");
    // Nothing of the bad versions reached staging: the rows hold what was there before.
    const [held] = await t.warehouse.query<{ description: string | null }>(
      `SELECT description FROM staging.stripe__customers WHERE id = $1`,
      [a],
    );
    expect(held!.description ?? "").not.toMatch(/after/);

    // The cursor passed them: another record's later change loads, the bad ones are not met again.
    await patch("stripe", "customers", c, { email: "second-change@example.com" });
    expect(await extract("stripe.customers")).toMatchObject({ status: "succeeded", rejects: 0 });
    expect(await email(c!)).toBe("second-change@example.com");
    // Read again (the look-back window re-sends the same events): nothing rejected twice.
    expect(await extract("stripe.customers")).toMatchObject({ status: "succeeded", rejects: 0 });
    expect(await rejectsOf("stripe", "customers")).toHaveLength(2);
  });

  it.each([
    {
      stream: "salesforce.Account",
      object: "Account",
      id: "Id",
      field: "Name",
      table: "salesforce__account",
      column: "name",
    },
    {
      stream: "netsuite.customer",
      object: "customer",
      id: "id",
      field: "companyname",
      table: "netsuite__customer",
      column: "companyname",
    },
  ])("$stream: a NUL and a lone surrogate reject their record; another record's change loads", async (s) => {
    const [system] = s.stream.split(".") as [string];
    expect(await extract(s.stream)).toMatchObject({ status: "succeeded", rejects: 0 });
    const [a, b, c] = w.jsonl(`${system}/${s.object}.jsonl`).map((r) => String(r[s.id]));
    await patch(system, s.object, a, { [s.field]: "nul\u0000here" });
    await patch(system, s.object, b, { [s.field]: "lone \udc00 low half" });
    await patch(system, s.object, c, { [s.field]: "Renamed Ltd" });
    const out = await extract(s.stream);
    expect(out).toMatchObject({ status: "succeeded", rejects: 2 });
    const rejects = await rejectsOf(system, s.object);
    expect(rejects.map((r) => [r.record_key, r.field]).sort()).toEqual(
      [
        [a, s.field],
        [b, s.field],
      ].sort(),
    );
    expect(rejects.map((r) => r.reason).join("\n")).toMatch(/NUL[^]*U\+DC00/);
    const [renamed] = await t.warehouse.query<{ v: string }>(
      `SELECT ${s.column} AS v FROM staging.${s.table} WHERE id = $1`,
      [c],
    );
    expect(renamed!.v).toBe("Renamed Ltd");
    expect(await extract(s.stream)).toMatchObject({ status: "succeeded", rejects: 0 });
    expect(await rejectsOf(system, s.object)).toHaveLength(2);
  });

  it("Zendesk: a record with 2,000 keys, a 1 MB string, 007 and a field changing type between runs", async () => {
    expect(await extract("zendesk.organizations")).toMatchObject({ status: "succeeded", rejects: 0 });
    const orgs = w.jsonl("zendesk/organizations.jsonl");
    const [wide, big, typed, zeros] = orgs.map((o) => String(o.id));
    const fields = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`extra_${i}`, `v${i}`]));
    await patch("zendesk", "organizations", wide, { organization_fields: fields });
    // And two keys that map to one column: both kept in the payload, the collision noted.
    await patch("zendesk", "organizations", big, {
      notes: "n".repeat(1024 * 1024),
      organization_fields: { TierName: "gold", tier_name: "silver" },
    });
    // Two records each have score and code: past the column limit, those get columns first.
    await patch("zendesk", "organizations", typed, { organization_fields: { score: 5, code: "12" } });
    await patch("zendesk", "organizations", zeros, { organization_fields: { code: "007", score: 7 } });
    w.sandbox.store.advance(120_000); // Zendesk exports only what changed more than a minute ago
    const first = await extract("zendesk.organizations");
    expect(first).toMatchObject({ status: "succeeded", rejects: 0 });
    expect(first.rows).toBeGreaterThanOrEqual(4);

    const [cols] = await t.warehouse.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = 'zendesk__organizations'`,
    );
    expect(cols!.n).toBeLessThanOrEqual(1600);
    const notes = await rejectsOf("zendesk", "organizations");
    expect(notes.length).toBeGreaterThan(0);
    // Besides the wide record's fields, only the collision (and, past the limit, its column).
    const others = notes.filter((n) => n.record_key !== wide);
    expect(others.map((n) => n.record_key)).toEqual(others.map(() => big));
    expect(others.filter((n) => /both map to column/.test(n.reason)).map((n) => n.field)).toEqual([
      "organization_fields.tier_name",
    ]);
    expect(notes.some((n) => n.field === "organization_fields__extra_1999")).toBe(true);
    const [row] = await t.warehouse.query<{ payload: { organization_fields: Record<string, string> } }>(
      `SELECT _trueup_payload AS payload FROM staging.zendesk__organizations WHERE id = $1`,
      [Number(wide)],
    );
    expect(Object.keys(row!.payload.organization_fields).filter((k) => k.startsWith("extra_"))).toHaveLength(
      2_000,
    );
    const [n] = await t.warehouse.query<{ n: number }>(
      `SELECT length(notes) AS n FROM staging.zendesk__organizations WHERE id = $1`,
      [Number(big)],
    );
    expect(n!.n).toBe(1024 * 1024);
    const [z] = await t.warehouse.query<{ code: unknown }>(
      `SELECT organization_fields__code AS code FROM staging.zendesk__organizations WHERE id = $1`,
      [Number(zeros)],
    );
    expect(z!.code).toBe("007");
    const scoreType = async () =>
      (
        await t.warehouse.query<{ t: string }>(
          `SELECT data_type AS t FROM information_schema.columns WHERE table_schema = 'staging' AND table_name = 'zendesk__organizations' AND column_name = 'organization_fields__score'`,
        )
      )[0]?.t;
    expect(await scoreType()).toBe("bigint");

    // The field changes type: the column widens, both values readable, nothing stalls.
    await patch("zendesk", "organizations", typed, { organization_fields: { score: "high" } });
    await patch("zendesk", "organizations", zeros, { notes: "later change" });
    w.sandbox.store.advance(120_000);
    const second = await extract("zendesk.organizations");
    expect(second).toMatchObject({ status: "succeeded", rejects: 0 });
    const scored = await t.warehouse.query<{ score: string; notes: string }>(
      `SELECT organization_fields__score AS score, notes FROM staging.zendesk__organizations WHERE id = ANY($1) ORDER BY id`,
      [[Number(typed), Number(zeros)]],
    );
    expect(scored.map((s) => s.score).sort()).toEqual(["7", "high"]);
    expect(await scoreType()).toBe("text");
    expect(scored.map((s) => s.notes)).toContain("later change");
    const notesBefore = (await rejectsOf("zendesk", "organizations")).length;
    w.sandbox.store.advance(120_000);
    const third = await extract("zendesk.organizations");
    expect(third).toMatchObject({ status: "succeeded", rejects: 0 });
    // The time-based export repeats the records of its last second (both edited in it).
    expect(third.rows).toBeLessThanOrEqual(2);
    expect(await rejectsOf("zendesk", "organizations")).toHaveLength(notesBefore);
  });
});
