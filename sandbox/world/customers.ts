import { DAY, type Customer, type Entity, type World } from "./context.js";
import { companyName } from "./names.js";

/**
 * The company's customers, before any system sees them: entity, currency, name and domain (a few
 * "twins" share a trading name), and which systems know them (Salesforce, Stripe, NetSuite or the
 * legacy ERP by entity, Zendesk). Some CRM accounts are subsidiaries of another.
 */
export function generateCustomers(world: World): void {
  const { r, ids, nCustomers, start, customers } = world;
  const taken = new Set<string>();
  for (let n = 0; n < nCustomers; n++) {
    const rc = r.customers;
    const entity: Entity = rc.chance(0.7) ? "us" : "eu";
    const currency = entity === "us" ? (rc.chance(0.85) ? "USD" : "JPY") : rc.chance(0.7) ? "EUR" : "GBP";
    // A few "twins": a different company whose trading name is the same as an earlier one's.
    let name = companyName(rc, entity, taken);
    if (customers.length > 10 && rc.chance(0.03)) {
      const twin = rc.pick(customers).name;
      const domain = `${twin.base.toLowerCase().replace(/[^a-z0-9]+/g, "")}-${rc.pick(["group", "hq", "global", "intl"])}.${entity === "us" ? "com" : "eu"}`;
      if (!taken.has(domain)) {
        taken.add(domain);
        name = {
          base: twin.base,
          legal: `${twin.base} ${entity === "us" ? "Holdings Inc." : "Holding GmbH"}`,
          domain,
        };
      }
    }
    const c: Customer = {
      n,
      entity,
      currency,
      name,
      createdAt: start + rc.int(0, 460) * DAY + rc.int(0, 86_399) * 1000,
      freeMail: rc.chance(0.01),
    };
    if (rc.chance(0.96)) c.sfId = ids.sf("001");
    if (rc.chance(0.93)) c.stripeId = ids.stripe("cus", 14);
    if (c.stripeId) {
      if (entity === "us") c.nsId = String(ids.next("ns-customer", 1000));
      else c.erpNo = `C-${ids.next("erp-customer", 10001)}`;
    }
    if (rc.chance(0.82)) c.zdId = 360_000_000_000 + ids.next("zd-org", 1) * 7;
    customers.push(c);
  }
  // Parent/child: some CRM accounts are subsidiaries of another (different customers, own domains).
  for (const c of customers) {
    if (c.sfId && r.customers.chance(0.05)) {
      const parent = customers[r.customers.int(0, customers.length - 1)]!;
      if (parent !== c && parent.sfId) c.parentSfId = parent.sfId;
    }
  }
}
