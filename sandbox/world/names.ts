import type { Rng } from "./rng.js";

const FIRST = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Hooli",
  "Vandelay",
  "Soylent",
  "Tyrell",
  "Cyberdyne",
  "Wonka",
  "Aperture",
  "Massive",
  "Pied",
  "Nakatomi",
  "Oscorp",
  "Gringotts",
  "Monarch",
  "Dunder",
  "Sterling",
  "Prestige",
  "Blue",
  "Silver",
  "Northwind",
  "Contoso",
  "Fabrikam",
  "Tailspin",
  "Litware",
  "Proseware",
  "Adatum",
  "Lucerne",
  "Woodgrove",
  "Alpine",
  "Coho",
  "Fourth",
  "Graphic",
  "Humongous",
  "Margie",
  "Trey",
  "Wide",
  "Wingtip",
  "Bluebird",
  "Redwood",
  "Granite",
  "Summit",
  "Harbor",
  "Beacon",
  "Cobalt",
  "Vertex",
  "Quantum",
  "Nimbus",
  "Aurora",
  "Zenith",
  "Orbit",
  "Pioneer",
  "Atlas",
  "Falcon",
  "Lighthouse",
  "Evergreen",
  "Keystone",
  "Meridian",
  "Pinnacle",
  "Horizon",
  "Crescent",
  "Sapphire",
  "Ember",
  "Kestrel",
  "Juniper",
  "Larch",
  "Maple",
  "Osprey",
  "Puffin",
  "Quill",
  "Raven",
  "Sable",
  "Tundra",
  "Umber",
  "Vireo",
];
const SECOND = [
  "Analytics",
  "Systems",
  "Labs",
  "Logistics",
  "Dynamics",
  "Robotics",
  "Software",
  "Networks",
  "Foods",
  "Health",
  "Energy",
  "Capital",
  "Media",
  "Works",
  "Partners",
  "Solutions",
  "Cloud",
  "Data",
  "Retail",
  "Motors",
  "Bio",
  "Security",
  "Learning",
  "Travel",
  "Studios",
  "Devices",
  "Materials",
  "Marine",
  "Pharma",
  "Finance",
];
const US_SUFFIX = ["Inc.", "Corp.", "LLC", "Inc", "Co."];
const EU_SUFFIX = ["GmbH", "AG", "Ltd", "B.V.", "S.A.", "SAS"];
const TLD_US = ["com", "io", "co", "ai", "net"];
const TLD_EU = ["de", "co.uk", "eu", "fr", "nl"];

export interface CompanyName {
  /** Short trading name, e.g. "Acme Analytics". */
  base: string;
  /** Legal name as the ERP holds it, e.g. "Acme Analytics GmbH". */
  legal: string;
  domain: string;
}

export function companyName(rng: Rng, entity: "us" | "eu", taken: Set<string>): CompanyName {
  for (let attempt = 0; ; attempt++) {
    const base = `${rng.pick(FIRST)} ${rng.pick(SECOND)}${attempt > 20 ? ` ${rng.int(2, 999)}` : ""}`;
    const slug = base.toLowerCase().replace(/[^a-z0-9]+/g, "");
    const domain = `${slug}.${rng.pick(entity === "us" ? TLD_US : TLD_EU)}`;
    if (taken.has(domain) || taken.has(base)) continue;
    taken.add(domain);
    taken.add(base);
    return { base, legal: `${base} ${rng.pick(entity === "us" ? US_SUFFIX : EU_SUFFIX)}`, domain };
  }
}

/** The same company as a different system's user typed it. */
export function spellingVariant(rng: Rng, name: CompanyName): string {
  return rng.pick([
    name.base,
    name.base.toUpperCase(),
    name.legal,
    `${name.base}, ${name.legal.split(" ").pop()}`,
    name.base.replace(" ", "-"),
  ]);
}

const FIRST_NAMES = [
  "Ana",
  "Ben",
  "Chen",
  "Dana",
  "Eli",
  "Fatima",
  "Gus",
  "Hana",
  "Ivan",
  "Jo",
  "Kai",
  "Lena",
  "Mo",
  "Nia",
  "Omar",
  "Pia",
  "Raj",
  "Sara",
  "Tom",
  "Uma",
  "Vik",
  "Wen",
  "Yuki",
  "Zoe",
];
const LAST_NAMES = [
  "Smith",
  "Garcia",
  "Müller",
  "Rossi",
  "Tanaka",
  "Kowalski",
  "Dubois",
  "Okafor",
  "Silva",
  "Nguyen",
  "Jensen",
  "O'Brien",
  "Schmidt",
  "Khan",
  "Lopez",
];

export function personName(rng: Rng): { first: string; last: string } {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
}

const SUBJECTS = [
  "Cannot log in",
  "Invoice question",
  "API rate limit",
  "Export failing",
  "Feature request: SSO",
  "Billing address change",
  "Data sync delayed",
  "Password reset",
  "Refund request",
  "Upgrade plan",
  "Outage?",
  "Webhook errors",
];

export function ticketSubject(rng: Rng): string {
  return rng.pick(SUBJECTS);
}
