import { DAY, dayOf, type Customer, type Tier, type World } from "./context.js";
import { isoDateTime } from "./format.js";
import { RATES } from "./hazards.js";
import { spellingVariant, ticketSubject } from "./names.js";

/**
 * Zendesk organizations with the support tier of the customer's active contract (the hazard: an
 * entitlement that disagrees with the contract), and tickets spread over them.
 */
export function generateSupport(world: World): void {
  const { r, asOf, asOfDay, start, scale, flag, customers, contracts, orgs, tickets } = world;
  // Renewals are back to back, so at most one contract of a customer is active on a given day.
  const activeTier = new Map<Customer, Tier>();
  for (const k of contracts) {
    if (dayOf(k.start) <= asOfDay && dayOf(k.end) >= asOfDay) activeTier.set(k.customer, k.tier);
  }
  for (const c of customers) {
    if (!c.zdId) continue;
    const rt = r.tickets;
    let tier: Tier = activeTier.get(c) ?? "none";
    if (r.inject.chance(RATES.entitlementMismatch)) {
      const other = (["none", "standard", "premium"] as const).filter((t) => t !== tier);
      const wrong = r.inject.pick(other);
      flag("entitlement_mismatch", `zendesk:${c.zdId}`, { zendesk: wrong, contract: tier });
      tier = wrong;
    }
    const created = c.createdAt + 3 * DAY;
    orgs.push({
      url: `https://sandbox.zendesk.com/api/v2/organizations/${c.zdId}.json`,
      id: c.zdId,
      name: spellingVariant(rt, c.name),
      shared_tickets: false,
      shared_comments: false,
      // Web-mail customers have no domain to be found by: their organization always carries the link.
      external_id: c.sfId && (c.freeMail || rt.chance(0.75)) ? c.sfId : null,
      created_at: isoDateTime(Math.min(created, asOf - DAY)),
      updated_at: isoDateTime(Math.min(created + rt.int(0, 200) * DAY, asOf - 2 * 60_000)),
      domain_names: c.freeMail ? [] : [c.name.domain],
      details: "",
      notes: "",
      group_id: null,
      tags: [c.entity, tier],
      organization_fields: { support_tier: tier, billing_status: null, arr: null, health_score: null },
    });
  }
  const nTickets = Math.round(5000 * scale);
  const withOrg = customers.filter((c) => c.zdId);
  for (let k = 0; k < nTickets && withOrg.length; k++) {
    const rt = r.tickets;
    const c = withOrg[rt.int(0, withOrg.length - 1)]!;
    const created =
      Math.max(c.createdAt, start) +
      rt.int(0, Math.max(1, Math.floor((asOf - Math.max(c.createdAt, start)) / 60_000) - 5)) * 60_000;
    const status = rt.weighted([
      ["new", 2],
      ["open", 5],
      ["pending", 3],
      ["hold", 1],
      ["solved", 10],
      ["closed", 20],
    ] as const);
    tickets.push({
      url: `https://sandbox.zendesk.com/api/v2/tickets/${k + 1}.json`,
      id: k + 1,
      external_id: null,
      created_at: isoDateTime(created),
      updated_at: isoDateTime(Math.min(created + rt.int(0, 20) * DAY, asOf - 2 * 60_000)),
      type: rt.pick(["question", "incident", "problem", "task"]),
      subject: ticketSubject(rt),
      priority: rt.weighted([
        ["low", 4],
        ["normal", 10],
        ["high", 3],
        ["urgent", 1],
      ] as const),
      status,
      organization_id: c.zdId,
      requester_id: 90_000_000 + rt.int(1, 99_999),
      tags: [],
    });
  }
}
