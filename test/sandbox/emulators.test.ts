import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createHmac } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import jsforce from "jsforce";
import zendesk from "node-zendesk";
import OAuth from "oauth-1.0a";
import Stripe from "stripe";
import { padContacts } from "../helpers/sandbox-world.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../sandbox/emulators/server.js";
import { MemoryWorldStore } from "../../sandbox/emulators/store.js";
import { generateWorld } from "../../sandbox/world/generate.js";

/**
 * The vendors' own Node SDKs, unchanged, against the sandbox: if the emulators drift from what
 * the SDKs expect (envelopes, paging, auth, errors), these fail.
 */
let dir: string;
let sb: RunningSandbox;
const jsonl = (f: string) =>
  readFileSync(path.join(dir, f), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "trueup-emu-"));
  await generateWorld({ seed: 5, scale: 0.2, out: dir });
  const store = MemoryWorldStore.load(dir);
  // Enough Contacts for three query pages of 2,000 (jsforce must follow nextRecordsUrl).
  padContacts(store, 4500);
  sb = await startSandbox({ store, worldDir: dir, port: 0, options: { salesforceDailyApiRequests: 10_000 } });
});
afterAll(async () => {
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const stripeFor = (key = sb.env.STRIPE_API_KEY!) => {
  const u = new URL(sb.urls.stripe);
  return new Stripe(key, { host: u.hostname, port: Number(u.port), protocol: "http", maxNetworkRetries: 5 });
};

describe("stripe (official stripe-node)", () => {
  it("auto-pagination over every list returns exactly the world's live objects", async () => {
    const stripe = stripeFor();
    const lists = {
      customers: (p: object) => stripe.customers.list(p),
      subscriptions: (p: object) => stripe.subscriptions.list({ ...p, status: "all" }),
      invoices: (p: object) => stripe.invoices.list(p),
      charges: (p: object) => stripe.charges.list(p),
      refunds: (p: object) => stripe.refunds.list(p),
      credit_notes: (p: object) => stripe.creditNotes.list(p),
    };
    for (const [file, list] of Object.entries(lists)) {
      const want = jsonl(`stripe/${file}.jsonl`)
        .filter((o) => o.deleted !== true)
        .map((o) => o.id)
        .sort();
      const got: string[] = [];
      for await (const o of list({ limit: 100 }) as AsyncIterable<{ id: string }>) got.push(o.id);
      expect(got.sort(), file).toEqual(want);
    }
  });

  it("filters by created, omits canceled subscriptions by default, and 401s a bad key", async () => {
    const stripe = stripeFor();
    const all = jsonl("stripe/invoices.jsonl");
    const cut = Number(all[Math.floor(all.length / 2)]!.created);
    const got: number[] = [];
    for await (const inv of stripe.invoices.list({ limit: 100, created: { gte: cut } }))
      got.push(inv.created);
    expect(got.length).toBe(all.filter((i) => Number(i.created) >= cut).length);
    expect(got.every((c, i) => c >= cut && (i === 0 || c <= got[i - 1]!))).toBe(true); // newest first
    const active: string[] = [];
    for await (const s of stripe.subscriptions.list({ limit: 100 })) active.push(s.status);
    expect(active).not.toContain("canceled");
    await expect(stripeFor("sk_test_wrong").customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it("invoice lines beyond the first 10 come from the lines endpoint", async () => {
    const inv = sb.store.list("stripe", "invoices")[0]!;
    const lines = (inv.lines as { data: Record<string, unknown>[] }).data;
    const many = Array.from({ length: 23 }, (_, i) => ({
      ...lines[0],
      id: `il_extra${String(i).padStart(4, "0")}`,
    }));
    sb.store.put("stripe", "invoices", { ...inv, lines: { ...(inv.lines as object), data: many } });
    const stripe = stripeFor();
    const fetched = await stripe.invoices.retrieve(String(inv.id));
    expect(fetched.lines.data).toHaveLength(10);
    expect(fetched.lines.has_more).toBe(true);
    const ids: string[] = [];
    for await (const l of stripe.invoices.listLineItems(String(inv.id), { limit: 5 })) ids.push(l.id);
    expect(ids).toEqual(many.map((l) => l.id));
  });

  it("an admin edit becomes a customer.updated event with previous_attributes; events stop at 30 days", async () => {
    const c = jsonl("stripe/customers.jsonl")[0]!;
    const res = await fetch(`${sb.urls.stripe}/__sandbox/stripe/customers/${String(c.id)}`, {
      method: "PATCH",
      body: JSON.stringify({ email: "ap@renamed.example" }),
    });
    expect(res.status).toBe(200);
    const stripe = stripeFor();
    const events = await stripe.events.list({ type: "customer.updated", limit: 10 });
    const e = events.data.find((x) => (x.data.object as { id: string }).id === c.id);
    expect(e?.data.previous_attributes).toEqual({ email: c.email });
    const now = Math.floor(sb.store.now().getTime() / 1000);
    for await (const ev of stripe.events.list({ limit: 100 }))
      expect(ev.created).toBeGreaterThan(now - 30 * 86_400 - 5);
  });

  it("retries through 429 rate limits (Stripe-Should-Retry) and still completes", async () => {
    const local = await startSandbox({ worldDir: dir, port: 0, options: { stripeRequestsPerSecond: 3 } });
    try {
      const u = new URL(local.urls.stripe);
      const stripe = new Stripe(local.env.STRIPE_API_KEY!, {
        host: u.hostname,
        port: Number(u.port),
        protocol: "http",
        maxNetworkRetries: 8,
      });
      let n = 0;
      for await (const _c of stripe.customers.list({ limit: 5 })) n++;
      expect(n).toBe(jsonl("stripe/customers.jsonl").filter((o) => o.deleted !== true).length);
      expect(local.requestLog.some((r) => r.status === 429)).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe("salesforce (jsforce)", () => {
  const conn = () =>
    new jsforce.Connection({
      instanceUrl: sb.env.SALESFORCE_INSTANCE_URL,
      accessToken: sb.env.SALESFORCE_ACCESS_TOKEN,
      version: "61.0",
    });

  it("query follows nextRecordsUrl (queryMore) through every page", async () => {
    const r = await conn().query("SELECT Id, LastName FROM Contact ORDER BY Id", {
      autoFetch: true,
      maxFetch: 100_000,
    });
    expect(r.records).toHaveLength(4500);
    expect(new Set(r.records.map((x: { Id?: string }) => x.Id)).size).toBe(4500);
    const pages = sb.requestLog.filter((x) => x.system === "salesforce" && /\/query\/01g/.test(x.path));
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });

  it("describe lists custom fields; update and collection update give per-record results", async () => {
    const c = conn();
    const d = await c.sobject("Account").describe();
    expect(d.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(["Account_Number__c", "Billing_Status__c"]),
    );
    const [a, b] = jsonl("salesforce/Account.jsonl");
    const one = await c.sobject("Account").update({ Id: String(a!.Id), Name: "Renamed Inc." });
    expect(one.success).toBe(true);
    const res = await c.sobject("Account").update(
      [
        { Id: String(b!.Id), Billing_Status__c: "current" },
        { Id: String(a!.Id), No_Such_Field__c: 1 },
      ],
      { allOrNone: false },
    );
    expect(res.map((x) => x.success)).toEqual([true, false]);
    expect(JSON.stringify(res[1])).toContain("INVALID_FIELD");
    expect(sb.store.get("salesforce", "Account", String(b!.Id))!.Billing_Status__c).toBe("current");
    expect(sb.store.get("salesforce", "Account", String(a!.Id))!.Name).toBe("Renamed Inc.");
  });

  it("queryAll sees a deleted record that query hides (quota: test/sandbox/salesforce.test.ts)", async () => {
    const id = String(jsonl("salesforce/Opportunity.jsonl")[0]!.Id);
    await fetch(`${sb.urls.salesforce}/__sandbox/salesforce/Opportunity/${id}`, { method: "DELETE" });
    const q = `SELECT Id, IsDeleted FROM Opportunity WHERE Id = '${id}'`;
    expect((await conn().query(q)).totalSize).toBe(0);
    expect((await conn().query(q, { scanAll: true })).records[0]).toMatchObject({ Id: id, IsDeleted: true });
  });
});

describe("zendesk (node-zendesk)", () => {
  const client = () =>
    zendesk.createClient({
      username: sb.env.ZENDESK_EMAIL!,
      token: sb.env.ZENDESK_API_TOKEN!,
      endpointUri: `${sb.env.ZENDESK_BASE_URL}/api/v2`,
    } as never);

  it("incremental exports return every world record", async () => {
    const orgs = (await client().organizations.incremental("0")) as unknown as { id: number }[];
    const want = jsonl("zendesk/organizations.jsonl").map((o) => o.id);
    expect(new Set(orgs.map((o) => o.id))).toEqual(new Set(want));
    const page = (await client().ticketexport.exportCursor(0)) as unknown as {
      result?: { tickets: unknown[] };
      tickets?: unknown[];
    };
    const tickets = page.result?.tickets ?? page.tickets ?? [];
    expect(tickets.length).toBe(jsonl("zendesk/tickets.jsonl").length);
  });

  it("updates an organization, and update_many runs as a job whose status completes", async () => {
    const [o1, o2] = jsonl("zendesk/organizations.jsonl");
    await client().organizations.update(Number(o1!.id), { organization: { notes: "hello" } });
    expect(sb.store.get("zendesk", "organizations", String(o1!.id))!.notes).toBe("hello");
    // node-zendesk sends its argument as the body, which the API wants as {organizations: [...]}.
    const job = (await client().organizations.updateMany({
      organizations: [{ id: o2!.id, organization_fields: { arr: 1234 } }],
    } as never)) as unknown as { result?: { job_status: { id: string } }; job_status?: { id: string } };
    const jobId = (job.result ?? job).job_status!.id;
    let status = "";
    for (let i = 0; i < 5 && status !== "completed"; i++) {
      const s = (await client().jobstatuses.show(jobId)) as unknown as {
        result?: { job_status: { status: string } };
        job_status?: { status: string };
      };
      status = (s.result ?? s).job_status!.status;
    }
    expect(status).toBe("completed");
    expect(
      (sb.store.get("zendesk", "organizations", String(o2!.id))!.organization_fields as { arr: number }).arr,
    ).toBe(1234);
  });

  it("offset pagination stops at 100 pages with InvalidPaginationDepth", async () => {
    const auth = `Basic ${Buffer.from(`${sb.env.ZENDESK_EMAIL}/token:${sb.env.ZENDESK_API_TOKEN}`).toString("base64")}`;
    const r = await fetch(`${sb.urls.zendesk}/api/v2/organizations.json?page=101`, {
      headers: { authorization: auth },
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe("InvalidPaginationDepth");
  });
});

describe("netsuite (SuiteQL, signed with the independent oauth-1.0a package)", () => {
  const signer = () =>
    new OAuth({
      consumer: { key: sb.env.NETSUITE_CONSUMER_KEY!, secret: sb.env.NETSUITE_CONSUMER_SECRET! },
      signature_method: "HMAC-SHA256",
      realm: sb.env.NETSUITE_ACCOUNT_ID!,
      hash_function: (base, key) => createHmac("sha256", key).update(base).digest("base64"),
    });
  const suiteql = async (
    q: string,
    limit: number,
    offset: number,
    secret = sb.env.NETSUITE_TOKEN_SECRET!,
    nonce?: string,
  ) => {
    const url = `${sb.urls.netsuite}/services/rest/query/v1/suiteql?limit=${limit}&offset=${offset}`;
    const o = signer();
    const data = o.authorize({ url, method: "POST" }, { key: sb.env.NETSUITE_TOKEN_ID!, secret });
    if (nonce) {
      const { oauth_signature: _old, ...unsigned } = data;
      unsigned.oauth_nonce = nonce;
      data.oauth_nonce = nonce;
      data.oauth_signature = o.getSignature({ url, method: "POST" }, secret, unsigned as OAuth.Authorization);
    }
    const header = o.toHeader(data);
    const r = await fetch(url, {
      method: "POST",
      headers: { ...header, prefer: "transient", "content-type": "application/json" },
      body: JSON.stringify({ q }),
    });
    return {
      status: r.status,
      body: (await r.json()) as { items: Record<string, string>[]; hasMore: boolean; totalResults: number },
    };
  };

  it("pages through transactions with limit/offset; every value a string", async () => {
    const ids: string[] = [];
    for (let offset = 0; ; offset += 500) {
      const r = await suiteql(
        "SELECT id, foreigntotal, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lm FROM transaction ORDER BY id",
        500,
        offset,
      );
      expect(r.status).toBe(200);
      for (const it of r.body.items) {
        expect(typeof it.id).toBe("string");
        expect(it.lm).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        ids.push(it.id!);
      }
      if (!r.body.hasMore) break;
    }
    expect(ids.sort()).toEqual(
      jsonl("netsuite/transaction.jsonl")
        .map((t) => String(t.id))
        .sort(),
    );
  });

  it("refuses a wrong secret, a replayed nonce, and an offset that is not a multiple of the limit", async () => {
    expect((await suiteql("SELECT id FROM currency", 10, 0, "wrong-secret")).status).toBe(401);
    const nonce = "fixed-nonce-123456";
    expect((await suiteql("SELECT id FROM currency", 10, 0, undefined, nonce)).status).toBe(200);
    expect((await suiteql("SELECT id FROM currency", 10, 0, undefined, nonce)).status).toBe(401);
    expect((await suiteql("SELECT id FROM currency", 10, 5)).status).toBe(400);
  });

  it("stops at 100,000 results: offsets beyond are refused, key-set paging is not", async () => {
    const big = MemoryWorldStore.load(dir);
    big.setTable(
      "netsuite",
      "transactionline",
      Array.from({ length: 100_500 }, (_, i) => ({
        id: String(1_000_000 + i),
        transaction: "1",
        foreignamount: "1.00",
      })),
    );
    const local = await startSandbox({ store: big, port: 0 });
    try {
      const url = (o: number) =>
        `${local.urls.netsuite}/services/rest/query/v1/suiteql?limit=1000&offset=${o}`;
      const call = async (o: number, q: string) => {
        const s = signer();
        const h = s.toHeader(
          s.authorize(
            { url: url(o), method: "POST" },
            { key: local.env.NETSUITE_TOKEN_ID!, secret: local.env.NETSUITE_TOKEN_SECRET! },
          ),
        );
        return fetch(url(o), {
          method: "POST",
          headers: { ...h, prefer: "transient", "content-type": "application/json" },
          body: JSON.stringify({ q }),
        });
      };
      expect((await call(100_000, "SELECT id FROM transactionline ORDER BY id")).status).toBe(400);
      const tail = await call(0, "SELECT id FROM transactionline WHERE id > 1100000 ORDER BY id");
      expect(((await tail.json()) as { items: unknown[] }).items).toHaveLength(499);
    } finally {
      await local.close();
    }
  });
});

describe("determinism and faults", () => {
  it("a fault profile is reproducible for a seed and injects its faults", async () => {
    const statuses = async () => {
      const local = await startSandbox({ worldDir: dir, port: 0, faults: "flaky", faultSeed: 42 });
      const out: number[] = [];
      try {
        for (let i = 0; i < 200; i++) {
          const r = await fetch(`${local.urls.stripe}/v1/customers?limit=1`, {
            headers: { authorization: `Bearer ${local.env.STRIPE_API_KEY}` },
          });
          out.push(r.status);
          await r.arrayBuffer();
        }
      } finally {
        await local.close();
      }
      return out;
    };
    const a = await statuses();
    expect(await statuses()).toEqual(a);
    const share = (s: number) => a.filter((x) => x === s).length / a.length;
    expect(share(429)).toBeGreaterThan(0.01);
    expect(share(500)).toBeGreaterThan(0.01);
    expect(share(200)).toBeGreaterThan(0.8);
  });
});
