import { DAY, addMonths, roundTo, type Contract, type Tier, type World } from "./context.js";
import { sfOpportunity } from "./records.js";

/**
 * The contracts each CRM customer with billing signs (a first one, then renewals until churn,
 * repriced in whole currency units), and the pipeline that did not close.
 */
export function generateContracts(world: World): void {
  const { r, ids, asOf, customers, contracts, opportunities } = world;
  for (const c of customers) {
    if (!c.sfId) continue;
    const rc = r.contracts;
    // Customers without billing only have pipeline, never a closed-won contract.
    let t = c.createdAt + rc.int(5, 30) * DAY;
    const tier: Tier = rc.weighted([
      ["none", 1],
      ["standard", 5],
      ["premium", 2],
    ] as const);
    const interval = rc.chance(0.9) ? "month" : "year";
    const quantity = rc.int(1, 12);
    const unitMinor = c.currency === "JPY" ? rc.int(5, 60) * 1000 : rc.int(20, 400) * 100;
    let first = true;
    while (c.stripeId && t < asOf + 40 * DAY) {
      const months = rc.chance(0.7) ? 12 : 24;
      const end = addMonths(t, months) - DAY;
      const k: Contract = {
        oppId: ids.sf("006"),
        customer: c,
        start: t,
        end,
        tier: first ? tier : rc.chance(0.8) ? tier : rc.pick(["standard", "premium"] as const),
        interval,
        // Renewals may reprice, in whole currency units.
        unitMinor: first
          ? unitMinor
          : roundTo(Math.round((unitMinor * (100 + rc.int(0, 15))) / 100), c.currency === "JPY" ? 1 : 100),
        quantity,
        // A customer billing to a web-mail address cannot be recognised by domain: its subscription
        // always carries the opportunity id, or no engine could pair them.
        linkedByOpp: c.freeMail || rc.chance(0.9),
      };
      contracts.push(k);
      first = false;
      if (end + DAY > asOf || !rc.chance(0.9)) break; // churn or still running
      t = end + DAY;
    }
    // Pipeline that did not close (or not yet).
    const lost = rc.int(0, 2);
    for (let k = 0; k < lost; k++) {
      const at = c.createdAt + rc.int(1, 300) * DAY;
      if (at >= asOf) continue;
      opportunities.push(
        sfOpportunity(
          ids.sf("006"),
          c.sfId,
          rc.pick(["Closed Lost", "Negotiation", "Proposal"]),
          rc.int(50, 900) * 100,
          c.currency,
          at,
          undefined,
          undefined,
          "none",
        ),
      );
    }
  }
}
