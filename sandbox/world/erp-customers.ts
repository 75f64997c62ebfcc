import { DAY, NS_CURRENCY, nsDateTime, type World } from "./context.js";

/** NetSuite's customers (the US entity) and the legacy ERP's customer export (the EU one). */
export function generateErpCustomers(world: World): void {
  const { r, customers, nsCustomers, erpCustomerRows } = world;
  for (const c of customers) {
    if (c.nsId) {
      nsCustomers.push({
        id: c.nsId,
        entityid: `${c.name.base} (${c.nsId})`,
        companyname: c.name.legal,
        email: c.freeMail ? undefined : `ap@${c.name.domain}`,
        url: c.freeMail ? undefined : `https://www.${c.name.domain}`,
        externalid: c.sfId && r.customers.chance(0.8) ? c.sfId : undefined,
        currency: NS_CURRENCY[c.currency],
        datecreated: nsDateTime(c.createdAt + 2 * DAY),
        lastmodifieddate: nsDateTime(c.createdAt + 2 * DAY),
        links: [],
      });
    }
    if (c.erpNo) {
      erpCustomerRows.push([
        c.erpNo,
        c.name.legal,
        `${c.entity === "eu" ? "DE" : "US"}${String(100000000 + c.n)}`,
        c.freeMail ? "" : c.name.domain,
        c.sfId && r.customers.chance(0.8) ? c.sfId : "",
      ]);
    }
  }
}
