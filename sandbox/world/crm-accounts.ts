import { DAY, sfDateTime, type World } from "./context.js";
import { RATES } from "./hazards.js";
import { personName, spellingVariant } from "./names.js";
import { sfAccount } from "./records.js";

/**
 * Salesforce accounts and two contacts each; the hazard here is a duplicate account (a spelling
 * variant of the same company, created later). Deleted junk accounts are visible through
 * queryAll only and are nobody's customer.
 */
export function generateCrmAccounts(world: World): void {
  const { r, ids, asOf, start, nCustomers, flag, customers, accounts, contacts } = world;
  for (const c of customers) {
    if (!c.sfId) continue;
    accounts.push(sfAccount(c.sfId, c.name.base, c.name.domain, c.createdAt, c.parentSfId, r.misc));
    if (r.inject.chance(RATES.duplicateSalesforce)) {
      c.sfDupId = ids.sf("001");
      const dupAt = c.createdAt + r.inject.int(5, 200) * DAY;
      accounts.push(
        sfAccount(
          c.sfDupId,
          spellingVariant(r.inject, c.name),
          c.name.domain,
          Math.min(dupAt, asOf - DAY),
          undefined,
          r.misc,
        ),
      );
      flag("duplicate_customer", `salesforce:${c.sfDupId}`, { duplicate_of: `salesforce:${c.sfId}` });
    }
    for (let k = 0; k < 2; k++) {
      const p = personName(r.misc);
      contacts.push({
        Id: ids.sf("003"),
        AccountId: c.sfId,
        FirstName: p.first,
        LastName: p.last,
        Email: `${p.first.toLowerCase()}.${p.last.toLowerCase().replace(/[^a-z]/g, "")}@${c.name.domain}`,
        CreatedDate: sfDateTime(c.createdAt + DAY),
        SystemModstamp: sfDateTime(c.createdAt + DAY),
        IsDeleted: false,
      });
    }
  }
  // Deleted junk accounts: visible through queryAll only, nobody's customer.
  for (let k = 0; k < Math.max(1, Math.round(nCustomers * 0.01)); k++) {
    const at = start + r.misc.int(0, 700) * DAY;
    accounts.push({
      ...sfAccount(ids.sf("001"), `Test Account ${k + 1}`, `test${k + 1}.invalid`, at, undefined, r.misc),
      IsDeleted: true,
    });
  }
}
