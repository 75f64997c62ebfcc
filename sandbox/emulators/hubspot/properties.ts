import type { SandboxResponse } from "../interfaces.js";
import { propsOf, READ_ONLY, type HubspotObjects, type ObjectType } from "./objects.js";

/**
 * `GET /crm/v3/properties/{type}`: the portal's property definitions as HubSpot's Properties API
 * gives them (`type`, `fieldType`, `options`, `modificationMetadata.readOnlyValue`). Every property
 * a record of the type has is defined; those not listed here are single-line text. Enumeration
 * options not listed are the values the world's records hold.
 */

interface Definition {
  type: "string" | "number" | "date" | "datetime" | "enumeration" | "bool";
  fieldType: string;
  options?: string[];
}

const text: Definition = { type: "string", fieldType: "text" };
const num: Definition = { type: "number", fieldType: "number" };
const date: Definition = { type: "date", fieldType: "date" };
const datetime: Definition = { type: "datetime", fieldType: "date" };
const select: Definition = { type: "enumeration", fieldType: "select" };
const bool: Definition = { type: "bool", fieldType: "booleancheckbox", options: ["true", "false"] };

const COMMON: Record<string, Definition> = {
  createdate: datetime,
  hs_lastmodifieddate: datetime,
  hs_object_id: num,
  hubspot_owner_id: select,
};

const DEFINITIONS: Record<ObjectType, Record<string, Definition>> = {
  companies: {
    ...COMMON,
    hs_parent_company_id: num,
    industry: select,
    lifecyclestage: {
      ...select,
      options: [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
      ],
    },
    // The custom properties reverse ETL fills.
    trueup_billing_status: text,
    trueup_overdue_amount: num,
    trueup_last_payment_date: date,
    trueup_arr: num,
    trueup_health_score: num,
    trueup_key: text,
  },
  deals: {
    ...COMMON,
    amount: num,
    closedate: datetime,
    contract_end_date: date,
    contract_start_date: date,
    deal_currency_code: select,
    dealstage: select,
    hs_is_closed: bool,
    hs_is_closed_won: bool,
    pipeline: select,
    support_tier: select,
  },
};

const GROUPS: Record<ObjectType, string> = { companies: "companyinformation", deals: "dealinformation" };

export function properties(objects: HubspotObjects, type: ObjectType): SandboxResponse {
  const results = [...objects.known(type)].sort().map((name) => {
    const d = DEFINITIONS[type][name] ?? text;
    const options =
      d.options ??
      (d.type === "enumeration"
        ? [...new Set(objects.rows(type).map((r) => propsOf(r)[name]))]
            .filter((v) => v !== null && v !== undefined && v !== "")
            .map(String)
            .sort()
        : []);
    return {
      name,
      label: name,
      type: d.type,
      fieldType: d.fieldType,
      groupName: name.startsWith("trueup_") ? "trueup" : GROUPS[type],
      options: options.map((value, displayOrder) => ({ label: value, value, displayOrder, hidden: false })),
      calculated: false,
      hasUniqueValue: name === "hs_object_id" || name === "trueup_key",
      hidden: false,
      hubspotDefined: !name.startsWith("trueup_") && !name.startsWith("contract_") && name !== "support_tier",
      modificationMetadata: {
        archivable: !READ_ONLY.has(name),
        readOnlyDefinition: !name.startsWith("trueup_"),
        readOnlyValue: READ_ONLY.has(name),
      },
      formField: !READ_ONLY.has(name),
    };
  });
  return { status: 200, body: { results } };
}
