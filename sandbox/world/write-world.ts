import { CURRENCIES, NS_CURRENCY, sortBy, type World } from "./context.js";
import { writeErpExports, writeFxRates } from "./erp-exports.js";
import { isoDateTime } from "./format.js";
import { toHubspotWorld } from "./hubspot.js";
import { fullNetsuiteRow } from "./netsuite.js";
import { Rng } from "./rng.js";
import { fullSalesforceRecord } from "./salesforce.js";
import { toWorldShapes } from "./stripe-records.js";
import type { Truth, TruthLink } from "./truth.js";
import type { JsonlWriter } from "./writer.js";
import { fullOrganization, fullTicket } from "./zendesk.js";
import type { WorldSummary } from "./generate.js";

/**
 * Writes a generated world: every record with all the fields its vendor returns (from PRNG
 * streams of their own), the ERP exports, the FX rates, truth.json and world.json.
 */
export async function writeWorld(
  world: World,
  dir: string,
  w: JsonlWriter,
  crm: "salesforce" | "hubspot" = "salesforce",
): Promise<WorldSummary> {
  const { seed, scale, asOf, truth, customers, contracts } = world;
  const { accounts, opportunities, invoices, charges, refunds, creditNotes, orgs } = world;
  const links: TruthLink[] = [];
  sortBy(accounts, (a) => `${a.CreatedDate}|${a.Id}`);
  sortBy(opportunities, (o) => `${o.CreatedDate}|${o.Id}`);
  // Every field each vendor returns, from streams of their own: the fields the generator leaves
  // to these never shift the randomness of what the reconciliation is about.
  const full = { salesforce: new Rng(seed, 21), netsuite: new Rng(seed, 22), zendesk: new Rng(seed, 23) };
  // With HubSpot as the CRM, the same accounts and opportunities are its companies and deals.
  const hubspot = crm === "hubspot" ? toHubspotWorld(world) : undefined;
  if (hubspot) {
    await w.write("hubspot/companies.jsonl", hubspot.companies);
    await w.write("hubspot/deals.jsonl", hubspot.deals);
  } else await writeSalesforce(world, w, full.salesforce);
  const rejects = await writeRest(world, dir, w, full);
  for (const c of customers) {
    const link: TruthLink = {};
    if (c.sfId) {
      if (hubspot) link.hubspot = hubspot.idOf(c.sfId);
      else link.salesforce = c.sfId;
    }
    if (c.stripeId) link.stripe = c.stripeId;
    if (c.nsId) link.netsuite = c.nsId;
    if (c.zdId) link.zendesk = String(c.zdId);
    if (c.erpNo) link.erp_file = c.erpNo;
    links.push(link);
  }
  truth.sort((a, b) =>
    a.category === b.category
      ? a.key < b.key
        ? -1
        : a.key > b.key
          ? 1
          : 0
      : a.category < b.category
        ? -1
        : 1,
  );
  const counts: Record<string, number> = {};
  for (const d of truth) counts[d.category] = (counts[d.category] ?? 0) + 1;
  const populations = {
    stripe_invoices_finalized: invoices.filter((i) => i.status !== "draft").length,
    succeeded_charges: charges.filter((c) => c.status === "succeeded").length,
    stripe_refunds: refunds.filter((x) => x.status === "succeeded").length,
    stripe_credit_notes: creditNotes.filter((x) => x.status === "issued").length,
    closed_won_opportunities: contracts.length,
    zendesk_organizations: orgs.length,
    customers: customers.length,
  };
  const truthDoc: Truth = {
    as_of: isoDateTime(asOf),
    discrepancies: truth,
    links,
    rejects,
    counts,
    populations,
  };
  await w.writeJson("truth.json", truthDoc);
  await w.writeJson("world.json", {
    seed,
    scale: scale,
    as_of: isoDateTime(asOf),
    entities: [
      { id: "us", name: "Trueup Demo Inc.", erp: "netsuite", currency: "USD" },
      { id: "eu", name: "Trueup Demo GmbH", erp: "erp_files", currency: "EUR" },
    ],
    generator: { version: 1 },
    // Said only of a HubSpot world: a Salesforce world's manifest is as it always was.
    ...(hubspot ? { crm: "hubspot" } : {}),
    files: w.counts(),
  });
  return { dir, files: w.counts(), discrepancies: counts, links: links.length };
}

async function writeSalesforce(world: World, w: JsonlWriter, rng: Rng): Promise<void> {
  const { accounts, contacts, opportunities } = world;
  await w.write(
    "salesforce/Account.jsonl",
    accounts.map((x) => fullSalesforceRecord("Account", x, rng)),
  );
  await w.write(
    "salesforce/Contact.jsonl",
    contacts.map((x) => fullSalesforceRecord("Contact", x, rng)),
  );
  await w.write(
    "salesforce/Opportunity.jsonl",
    opportunities.map((x) => fullSalesforceRecord("Opportunity", x, rng)),
  );
}

/** Every system but the CRM: Stripe, NetSuite, Zendesk, the ERP exports and the FX rates. */
async function writeRest(
  world: World,
  dir: string,
  w: JsonlWriter,
  full: { netsuite: Rng; zendesk: Rng },
): Promise<Truth["rejects"]> {
  const { r, asOf, start, subscriptions, stripeCustomers } = world;
  const { invoices, charges, refunds, creditNotes, nsTransactions, nsLines, nsCustomers } = world;
  const { orgs, tickets, erpCustomerRows, erpInvoices, erpPayments, erpCredits } = world;
  const stripe = toWorldShapes({
    customers: stripeCustomers,
    subscriptions,
    invoices,
    charges,
    refunds,
    creditNotes,
  });
  await w.write("stripe/customers.jsonl", stripe.customers);
  await w.write("stripe/subscriptions.jsonl", stripe.subscriptions);
  await w.write("stripe/invoices.jsonl", stripe.invoices);
  await w.write("stripe/charges.jsonl", stripe.charges);
  await w.write("stripe/refunds.jsonl", stripe.refunds);
  await w.write("stripe/credit_notes.jsonl", stripe.creditNotes);
  await w.write("stripe/invoice_payments.jsonl", stripe.invoicePayments);
  await w.write(
    "netsuite/customer.jsonl",
    nsCustomers.map((x) => fullNetsuiteRow("customer", x, full.netsuite)),
  );
  sortBy(nsTransactions, (t) => Number(t.id));
  await w.write(
    "netsuite/transaction.jsonl",
    nsTransactions.map((x) => fullNetsuiteRow("transaction", x, full.netsuite)),
  );
  await w.write(
    "netsuite/transactionline.jsonl",
    nsLines.map((x) => fullNetsuiteRow("transactionline", x, full.netsuite)),
  );
  await w.write(
    "netsuite/currency.jsonl",
    CURRENCIES.map((c) => ({
      id: NS_CURRENCY[c],
      symbol: c,
      name: c,
      isbasecurrency: c === "USD" ? "T" : "F",
      links: [],
    })).map((x) => fullNetsuiteRow("currency", x, full.netsuite)),
  );
  await w.write("zendesk/organizations.jsonl", orgs.map(fullOrganization));
  const orgDomain = new Map(orgs.map((o) => [o.id, (o.domain_names as string[])[0]]));
  await w.write(
    "zendesk/tickets.jsonl",
    tickets.map((x) => fullTicket(x, full.zendesk, orgDomain.get(x.organization_id))),
  );

  const rejects = await writeErpExports(
    dir,
    w,
    erpCustomerRows,
    erpInvoices,
    erpPayments,
    erpCredits,
    r.misc,
  );
  await writeFxRates(dir, w, asOf, start, r.fx);
  return rejects;
}
