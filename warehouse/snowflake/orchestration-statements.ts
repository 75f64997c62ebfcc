import { quoteIdentifier as q } from "../identifiers.js";
import type { OrchestrationStatements } from "../statements/orchestration.js";
import { postgresOnlyConstructs } from "./lint.js";
import * as sf from "./sql.js";

export const snowflakeOrchestrationStatements: OrchestrationStatements = {
  loadBatchScript(d) {
    const load: sf.BatchLoad = {
      raw: d.raw,
      staging: d.staging,
      source: d.source,
      columns: d.columns,
      primaryKey: d.primaryKey,
      versionColumn: d.versionColumn,
    };
    // In the order the loader sends them: DDL and PUT before the first write (either would
    // commit an open transaction), then COPY, raw, merge and cursor in one transaction, then the
    // staged files removed (kept until then for VALIDATE).
    return [
      sf.createTable(d.raw, d.rawColumns),
      sf.createTable(d.staging, d.columns, d.primaryKey),
      sf.createLandingTable(load),
      sf.putFiles(`<batch dir>/batch-*.csv.gz`, d.staging),
      "BEGIN",
      sf.copyIntoLanding(load),
      sf.validateLastCopy(sf.landingTable(d.staging)),
      sf.castFailures(load),
      sf.insertRaw(load, d.rawColumns),
      sf.mergeIntoStaging(load),
      sf.SAVE_CURSOR,
      "COMMIT",
      sf.removeStaged(d.staging, "<batch prefix>"),
    ].filter((s) => s !== undefined);
  },

  createModelTable: (r, select) => `CREATE OR REPLACE TABLE ${q(r.schema)}.${q(r.name)} AS\n${select}`,

  createRuleDetail: (t, select) => `CREATE OR REPLACE TABLE ${q(t.schema)}.${q(t.name)} AS\n${select}`,

  foreignConstructs: (sql) => postgresOnlyConstructs(sql),
};
