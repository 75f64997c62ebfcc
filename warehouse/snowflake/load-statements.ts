import { WarehouseError } from "../../core/errors.js";
import type { WarehouseSession } from "../interfaces.js";
import { WAREHOUSE_LIMITS } from "../limits.js";
import type { CastFailure, LoadStatements, StageRoute } from "../statements/load.js";
import { cursorBinds, rejectBinds } from "../statements/load-binds.js";
import { SnowflakeSession } from "./session.js";
import {
  SAVE_CURSOR,
  castFailures,
  createLandingTable,
  insertRaw,
  landingTable,
  mergeIntoStaging,
} from "./sql.js";

/**
 * The stage route on one session (sql.ts has the statements' text): rows become gzip CSV files
 * PUT to staging's table stage, one COPY INTO the batch's landing table, raw appended from it
 * and one MERGE into staging. Rows the COPY refuses come back as rejects.
 */
function stageRoute(tx: SnowflakeSession): StageRoute {
  return {
    kind: "stage",
    async createLandingTable(plan) {
      await tx.query(createLandingTable(plan));
    },
    async land(plan, columns, rows, positions) {
      const staged = await tx.stage(landingTable(plan.staging), columns, rows, plan.staging);
      return (await tx.copyStaged(staged, positions)).rejects;
    },
    async castFailures(plan) {
      const check = castFailures(plan);
      return check ? tx.query<CastFailure>(check) : [];
    },
    async appendRaw(plan, rawColumns) {
      await tx.query(insertRaw(plan, rawColumns));
    },
    async mergeLanding(plan) {
      await tx.query(mergeIntoStaging(plan));
    },
  };
}

export function snowflakeLoadStatements(session: WarehouseSession): LoadStatements {
  return {
    limits: WAREHOUSE_LIMITS.snowflake,

    async saveCursor(db, row) {
      await db.query(SAVE_CURSOR, cursorBinds(row));
    },

    async recordReject(db, row) {
      // PARSE_JSON is taken in a SELECT, not in VALUES.
      await db.query(
        `INSERT INTO "trueup"."rejects" ("run_id", "source", "stream", "position", "record_key", "field", "reason", "record")
         SELECT $1, $2, $3, $4, $5, $6, $7, PARSE_JSON($8)`,
        rejectBinds(row),
      );
    },

    get route() {
      if (!(session instanceof SnowflakeSession))
        throw new WarehouseError("a Snowflake load needs a Snowflake session (stage and COPY INTO)");
      return stageRoute(session);
    },
  };
}
