import { DAY, dayOf, type World } from "./context.js";
import { major, isoDate, unix } from "./format.js";
import { RATES } from "./hazards.js";
import { sfOpportunity } from "./records.js";

/**
 * Each contract's closed-won opportunity in Salesforce and its subscription in Stripe. The
 * hazards: the opportunity's amount disagrees with what billing charges, or the contract has no
 * subscription at all.
 */
export function generateSubscriptions(world: World): void {
  const { r, ids, asOf, asOfDay, flag, contracts, opportunities, subscriptions } = world;
  for (const k of contracts) {
    const c = k.customer;
    // By calendar day, as a model comparing dates sees it.
    const started = dayOf(k.start) <= asOfDay;
    const annual = k.unitMinor * k.quantity * (k.interval === "month" ? 12 : 1);
    let amountMinor = annual;
    let amountFlagged = false;
    // Injected: the CRM's ACV disagrees with what billing charges (beyond 0.5 %).
    if (k.linkedByOpp && r.inject.chance(RATES.contractAmountMismatch)) {
      amountFlagged = true;
      amountMinor = Math.round(annual * (1 + r.inject.pick([-0.2, -0.1, 0.1, 0.25])));
      flag("contract_amount_mismatch", `salesforce:${k.oppId}`, {
        acv: major(amountMinor, c.currency),
        subscription_annual: major(annual, c.currency),
      });
    } else if (r.inject.chance(0.02)) {
      // Noise: within the 0.5 % tolerance.
      amountMinor = annual + Math.round(annual * 0.002);
    }
    // Drawn even when not used, so the rest of the world stays the same for a seed. A contract
    // whose amount was made to disagree keeps its subscription: one truth entry per contract.
    const missing = r.inject.chance(RATES.contractMissingSubscription) && started && !amountFlagged;
    opportunities.push(
      sfOpportunity(
        k.oppId,
        c.sfId!,
        "Closed Won",
        amountMinor,
        c.currency,
        k.start - r.contracts.int(3, 30) * DAY,
        k.start,
        k.end,
        k.tier,
      ),
    );
    if (missing) {
      flag("contract_missing_subscription", `salesforce:${k.oppId}`, { start: isoDate(k.start) });
      continue;
    }
    k.subId = ids.stripe("sub", 14);
    const ended = dayOf(k.end) < asOfDay;
    subscriptions.push({
      id: k.subId,
      object: "subscription",
      customer: c.stripeId,
      status: ended ? "canceled" : started ? "active" : "trialing",
      currency: c.currency.toLowerCase(),
      created: unix(Math.min(k.start, asOf - DAY) - DAY),
      start_date: unix(k.start),
      current_period_start: unix(k.start),
      current_period_end: unix(k.end),
      cancel_at_period_end: false,
      canceled_at: ended ? unix(k.end) : null,
      ended_at: ended ? unix(k.end) : null,
      collection_method: "charge_automatically",
      items: {
        object: "list",
        data: [
          {
            id: ids.stripe("si", 14),
            object: "subscription_item",
            price: {
              id: ids.stripe("price", 14),
              object: "price",
              currency: c.currency.toLowerCase(),
              unit_amount: k.unitMinor,
              recurring: { interval: k.interval, interval_count: 1 },
              product: `prod_${c.currency === "JPY" ? "JP" : "GL"}${k.tier}`,
            },
            quantity: k.quantity,
          },
        ],
        has_more: false,
        total_count: 1,
        url: `/v1/subscription_items?subscription=${k.subId}`,
      },
      livemode: false,
      metadata: k.linkedByOpp ? { salesforce_opportunity_id: k.oppId } : {},
    });
  }
}
