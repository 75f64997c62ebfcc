import { quoteIdentifier as q } from "../identifiers.js";
import type { OrchestrationStatements } from "../statements/orchestration.js";

export const postgresOrchestrationStatements: OrchestrationStatements = {
  loadBatchScript(d) {
    const cols = d.columns.map((c) => q(c.name));
    const pk = d.primaryKey.map(q).join(", ");
    const v = d.versionColumn ? q(d.versionColumn) : undefined;
    const staging = `${q(d.staging.schema)}.${q(d.staging.name)}`;
    return [
      "BEGIN",
      `COPY ${q(d.raw.schema)}.${q(d.raw.name)} (${d.rawColumns.map((c) => q(c.name)).join(", ")}) FROM STDIN`,
      `CREATE TEMP TABLE "_trueup_batch" (LIKE ${staging} INCLUDING DEFAULTS, _trueup_seq bigserial) ON COMMIT DROP`,
      `COPY "_trueup_batch" (${cols.join(", ")}) FROM STDIN`,
      `INSERT INTO ${staging} AS t (${cols.join(", ")})
SELECT DISTINCT ON (${pk}) ${cols.join(", ")} FROM "_trueup_batch" ORDER BY ${pk}, ${v ? `${v} DESC NULLS LAST, ` : ""}_trueup_seq DESC
ON CONFLICT (${pk}) DO UPDATE SET ${cols
        .filter((c) => !d.primaryKey.map(q).includes(c))
        .map((c) => `${c} = EXCLUDED.${c}`)
        .join(", ")}${v ? `\nWHERE t.${v} IS NULL OR EXCLUDED.${v} IS NULL OR EXCLUDED.${v} >= t.${v}` : ""}`,
      `INSERT INTO trueup.extract_state (source, stream, cursor, updated_at, run_id) VALUES ($1, $2, $3, now(), $4)
ON CONFLICT (source, stream) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now(), run_id = EXCLUDED.run_id`,
      "COMMIT",
    ];
  },

  // Built beside the current table and swapped in by the model build.
  createModelTable: (r, select) => `CREATE TABLE ${q(r.schema)}.${q(`${r.name}__trueup_new`)} AS\n${select}`,

  createRuleDetail: (t, select) => `CREATE TABLE ${q(t.schema)}.${q(t.name)} AS\n${select}`,

  foreignConstructs: () => [],
};
