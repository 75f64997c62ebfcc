import { DAY, FREE_MAIL, type World } from "./context.js";
import { unix } from "./format.js";
import { RATES } from "./hazards.js";
import { spellingVariant } from "./names.js";
import { stripeCustomer } from "./records.js";

/**
 * Stripe customers, linked to their Salesforce account by metadata on most; the hazard is a
 * duplicate customer (billing to another address of the same domain). A few deleted customers.
 */
export function generateBillingCustomers(world: World): void {
  const { r, ids, asOf, start, nCustomers, flag, customers, stripeCustomers } = world;
  for (const c of customers) {
    if (!c.stripeId) continue;
    const email = c.freeMail
      ? `${c.name.base.split(" ")[0]!.toLowerCase()}.billing@${r.misc.pick(FREE_MAIL)}`
      : `billing@${c.name.domain}`;
    const linked = c.sfId && !c.freeMail && r.customers.chance(0.85);
    stripeCustomers.push(
      stripeCustomer(
        c.stripeId,
        spellingVariant(r.customers, c.name),
        email,
        c.createdAt + DAY,
        linked ? c.sfId : undefined,
        c.entity,
        c.currency,
      ),
    );
    if (!c.freeMail && r.inject.chance(RATES.duplicateStripe)) {
      c.stripeDupId = ids.stripe("cus", 14);
      stripeCustomers.push(
        stripeCustomer(
          c.stripeDupId,
          c.name.base,
          `accounts@${c.name.domain}`,
          Math.min(c.createdAt + r.inject.int(10, 300) * DAY, asOf - DAY),
          undefined,
          c.entity,
          c.currency,
        ),
      );
      flag("duplicate_customer", `stripe:${c.stripeDupId}`, { duplicate_of: `stripe:${c.stripeId}` });
    }
  }
  for (let k = 0; k < Math.max(1, Math.round(nCustomers * 0.005)); k++) {
    stripeCustomers.push({
      id: ids.stripe("cus", 14),
      object: "customer",
      deleted: true,
      _deleted_at: unix(asOf - r.misc.int(2, 20) * DAY),
      created: unix(start + r.misc.int(0, 600) * DAY),
    });
  }
}
