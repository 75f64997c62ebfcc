import type { SourceSystem } from "../config/schema.js";
import { referenceSource } from "./files/reference-source.js";
import { erpFilesSource } from "./files/source.js";
import type { Source } from "./interfaces.js";

/** Every source trueup knows, by name. API sources register here as they are built. */
export const SOURCES: Partial<Record<SourceSystem, Source>> = {
  erp_files: erpFilesSource,
  reference: referenceSource,
};
