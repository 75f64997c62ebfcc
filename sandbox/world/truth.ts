import type { DiscrepancyCategory } from "../../config/schema.js";

/** truth.json: what a correct pipeline must find in a world (CONTRACTS.md §3). */
export interface TruthDiscrepancy {
  category: DiscrepancyCategory;
  /** `system:native_id` (CONTRACTS.md §4). */
  key: string;
  [detail: string]: unknown;
}

/** One real-world customer: its record id in each system where it exists (duplicates excluded). */
export interface TruthLink {
  salesforce?: string;
  /** A HubSpot company id, in a world generated with `--crm hubspot` (instead of `salesforce`). */
  hubspot?: string;
  stripe?: string;
  netsuite?: string;
  zendesk?: string;
  erp_file?: string;
}

export interface Truth {
  as_of: string;
  discrepancies: TruthDiscrepancy[];
  links: TruthLink[];
  /** Malformed rows in the ERP exports: they must be rejected with their file and line. */
  rejects: { file: string; line: number; key: string; field?: string; reason: string }[];
  counts: Record<string, number>;
  /** Sizes of the populations the injection rates refer to. */
  populations: Record<string, number>;
}
