import { SALESFORCE_FIELDS } from "../../world/reference/salesforce-fields.js";
import type { MemoryWorldStore } from "../store.js";

/**
 * What describe says of an object's fields (from the reference field lists and the world's
 * values), and the field checks a write goes through.
 */

type Rec = Record<string, unknown>;

export const READ_ONLY = new Set([
  "Id",
  "CreatedDate",
  "SystemModstamp",
  "LastModifiedDate",
  "IsDeleted",
  "IsClosed",
  "IsWon",
  // System, audit, compound and rolled-up fields Salesforce computes itself.
  "CreatedById",
  "LastModifiedById",
  "MasterRecordId",
  "BillingAddress",
  "ShippingAddress",
  "MailingAddress",
  "OtherAddress",
  "PhotoUrl",
  "LastActivityDate",
  "LastViewedDate",
  "LastReferencedDate",
  "ExpectedRevenue",
  "HasOpportunityLineItem",
  "PushCount",
  "LastStageChangeDate",
  "FiscalQuarter",
  "FiscalYear",
  "Fiscal",
  "HasOpenActivity",
  "HasOverdueTask",
  "LastAmountChangedHistoryId",
  "LastCloseDateChangedHistoryId",
]);
const SOAP_TYPES: Record<string, string> = {
  id: "tns:ID",
  reference: "tns:ID",
  boolean: "xsd:boolean",
  double: "xsd:double",
  currency: "xsd:double",
  date: "xsd:date",
  datetime: "xsd:dateTime",
  int: "xsd:int",
  percent: "xsd:double",
  address: "urn:address",
};
/** Text lengths describe reports per field type (a long text area's is the org's 32,000 default). */
const FIELD_LENGTH: Record<string, number> = {
  string: 255,
  picklist: 255,
  url: 255,
  textarea: 32_000,
  phone: 40,
  email: 80,
};
const REFERENCE_TO: Record<string, string> = { OwnerId: "User", ParentId: "Account" };
export const EXTERNAL_ID = /_Key__c$/;

export type FieldDescribe = { name: string; type: string; picklist: string[] };

const PICKLISTS = /^(StageName|Type|Industry|CurrencyIsoCode|LeadSource|\w*Status__c|\w*Tier__c)$/;
const CURRENCY = /^(Amount|AnnualRevenue|ExpectedRevenue|\w*Amount__c|ARR__c|MRR__c|\w*Revenue__c)$/;

/**
 * Field type as describe reports it, from the world's values; a field null in every record (the
 * reverse-ETL targets before their first sync) is typed from its name as an admin would have made it.
 */
export function typeOf(name: string, values: Iterable<unknown>): string {
  if (name === "Id") return "id";
  let sample: unknown;
  for (const v of values)
    if (v !== null && v !== undefined) {
      sample = v;
      break;
    }
  if (sample === undefined) {
    if (/Id$/.test(name)) return "reference";
    if (/Date__c$/.test(name)) return "date";
    if (CURRENCY.test(name)) return "currency";
    if (/(Score|Percent|Rate)__c$/.test(name)) return "double";
    if (PICKLISTS.test(name)) return "picklist";
    if (/^(Is|Has)[A-Z]/.test(name)) return "boolean";
    return "string";
  }
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "number") return CURRENCY.test(name) ? "currency" : "double";
  if (typeof sample === "string") {
    if (/Id$/.test(name) && /^[a-zA-Z0-9]{15,18}$/.test(sample)) return "reference";
    if (/^\d{4}-\d{2}-\d{2}T/.test(sample)) return "datetime";
    if (/^\d{4}-\d{2}-\d{2}$/.test(sample)) return "date";
    if (name === "Website" || /^https?:\/\//.test(sample)) return "url";
    if (PICKLISTS.test(name)) return "picklist";
  }
  return "string";
}

/** Picklist values Salesforce would list: the distinct values the world holds, or a default set. */
function picklistValues(name: string, rows: readonly Rec[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (typeof r[name] === "string") seen.add(r[name]);
  if (name === "Billing_Status__c")
    for (const v of ["current", "overdue", "churned", "no_billing"]) seen.add(v);
  if (name === "Support_Tier__c") for (const v of ["none", "standard", "premium"]) seen.add(v);
  return [...seen].sort();
}

export class SalesforceSchema {
  private readonly describes = new Map<string, FieldDescribe[]>();

  constructor(private readonly store: MemoryWorldStore) {}

  describe(object: string): FieldDescribe[] {
    let d = this.describes.get(object);
    if (!d) {
      const rows = this.store.list("salesforce", object);
      // The object's standard fields are listed whatever the world's records hold (null in every
      // one, or absent from an older world), as an org's describe lists them.
      const listed: Readonly<Record<string, string>> =
        object in SALESFORCE_FIELDS
          ? {
              ...SALESFORCE_FIELDS[object as keyof typeof SALESFORCE_FIELDS].standard,
              ...SALESFORCE_FIELDS[object as keyof typeof SALESFORCE_FIELDS].custom,
            }
          : {};
      const names = new Set<string>([
        "Id",
        "IsDeleted",
        "CreatedDate",
        "SystemModstamp",
        ...Object.keys(listed),
      ]);
      for (const r of rows) for (const k of Object.keys(r)) if (!k.startsWith("__")) names.add(k);
      d = [...names].map((name) => {
        const type =
          listed[name] ??
          typeOf(
            name,
            rows.map((r) => r[name]),
          );
        return { name, type, picklist: type === "picklist" ? picklistValues(name, rows) : [] };
      });
      this.describes.set(object, d);
    }
    return d;
  }

  describeField(f: FieldDescribe): Rec {
    return {
      name: f.name,
      label: f.name.replace(/__c$/, "").replace(/_/g, " "),
      type: f.type,
      soapType: SOAP_TYPES[f.type] ?? "xsd:string",
      custom: f.name.endsWith("__c"),
      // `…_Key__c` fields are external ids (unique, usable as an upsert key), as an admin sets them up.
      externalId: EXTERNAL_ID.test(f.name),
      idLookup: f.name === "Id" || EXTERNAL_ID.test(f.name),
      unique: EXTERNAL_ID.test(f.name),
      updateable: !READ_ONLY.has(f.name),
      createable: !READ_ONLY.has(f.name),
      filterable: true,
      sortable: true,
      nillable: f.name !== "Id" && f.name !== "Name" && f.type !== "boolean",
      length: FIELD_LENGTH[f.type] ?? 0,
      precision: f.type === "currency" ? 18 : 0,
      scale: f.type === "currency" ? 2 : 0,
      referenceTo: f.type === "reference" ? [REFERENCE_TO[f.name] ?? f.name.replace(/Id$/, "")] : [],
      picklistValues: f.picklist.map((value) => ({ value, label: value, active: true, defaultValue: false })),
    };
  }

  invalidFields(object: string, body: Rec | undefined): Rec[] {
    const known = new Map(this.describe(object).map((f) => [f.name, f]));
    const out: Rec[] = [];
    for (const [k, v] of Object.entries(body ?? {})) {
      if (k === "attributes" || k === "id" || k === "Id") continue;
      const f = known.get(k);
      if (!f)
        out.push({
          statusCode: "INVALID_FIELD",
          message: `No such column '${k}' on sobject of type ${object}`,
          fields: [k],
        });
      else if (READ_ONLY.has(k))
        out.push({
          statusCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
          message: `Unable to create/update fields: ${k}.`,
          fields: [k],
        });
      else if (v !== null && (f.type === "double" || f.type === "currency") && typeof v !== "number")
        out.push({
          statusCode: "INVALID_TYPE_ON_FIELD_IN_RECORD",
          message: `${k}: value not of required type: ${JSON.stringify(v)}`,
          fields: [k],
        });
    }
    return out;
  }
}
