import { promises as fs } from "node:fs";
import path from "node:path";
import type { Config } from "../config/schema.js";
import { redactText } from "../core/redact.js";
import type { WarehouseSession } from "../warehouse/interfaces.js";
import { collectReport } from "./report-data.js";
import { renderReport } from "./report-html.js";

export { collectReport, runOutcome, type ReportData, type RuleNotRunRow } from "./report-data.js";
export { renderReport } from "./report-html.js";

/**
 * Writes the run report (report-data.ts reads it from the warehouse, report-html.ts renders it)
 * as report-<run id>.html and latest.html.
 */
export async function writeReport(
  db: WarehouseSession,
  config: Config,
  runId: string,
  dir: string,
): Promise<string> {
  const data = await collectReport(db, config, runId);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `report-${runId}.html`);
  // Node errors come from vendors, which may echo a credential: the page is redacted whole.
  await fs.writeFile(file, redactText(renderReport(data)));
  await fs.copyFile(file, path.join(dir, "latest.html"));
  return file;
}
