import type { StreamDescriptor } from "../../../load/interfaces.js";
import type { ColumnType } from "../../../warehouse/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../../interfaces.js";
import { snakeCase } from "../../../load/naming.js";
import { enabledStreams } from "../shared.js";
import { salesforceClient } from "./client.js";
import { soqlWhere, type SalesforceCursor } from "./incremental.js";
import { SALESFORCE_STREAMS, columnTypeOf } from "./streams.js";

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

/**
 * Salesforce objects through `queryAll` (deleted rows included, so they become tombstones),
 * every field that describe lists (custom `__c` included), ordered by SystemModstamp then Id;
 * each page commits with the cursor of its last record.
 */
export const salesforceSource: Source = {
  name: "salesforce",
  declaredStreams: (config) => enabledStreams(config, "salesforce", SALESFORCE_STREAMS),
  streams(ctx: SourceContext): StreamHandle[] {
    const names = enabledStreams(ctx.config, "salesforce", SALESFORCE_STREAMS);
    if (!names.length) return [];
    const http = salesforceClient(ctx);
    const cfg = ctx.config.sources.salesforce!;
    const api = `/services/data/${cfg.apiVersion}`;
    return names.map((object) => {
      const descriptor: StreamDescriptor = {
        source: "salesforce",
        stream: object,
        primaryKey: ["id"],
        versionColumn: "system_modstamp",
        description: `Salesforce ${object} (REST queryAll, incremental on SystemModstamp).`,
      };
      return {
        descriptor,
        async *read(cursor) {
          const describe = await http.request<{ fields: { name: string; type: string }[] }>({
            path: `${api}/sobjects/${object}/describe`,
          });
          const fields = describe.body.fields.map((f) => f.name);
          const types: Record<string, ColumnType> = {};
          for (const f of describe.body.fields) types[snakeCase(f.name)] = columnTypeOf(f.type);
          descriptor.columnTypes = types;
          if (!fields.includes("SystemModstamp") || !fields.includes("Id"))
            throw new Error(
              `Salesforce ${object} has no SystemModstamp/Id field; it cannot be read incrementally`,
            );
          const where = soqlWhere(
            ctx.fullRefresh ? undefined : (cursor as SalesforceCursor | undefined),
            cfg.lookbackSeconds,
          );
          const q = `SELECT ${fields.join(", ")} FROM ${object}${where ? ` WHERE ${where}` : ""} ORDER BY SystemModstamp, Id`;
          let page = 0;
          for await (const res of http.paginate<QueryPage>(
            {
              path: `${api}/queryAll`,
              query: { q },
              headers: { "Sforce-Query-Options": `batchSize=${cfg.batchSize}` },
            },
            (r) => (r.body.done || !r.body.nextRecordsUrl ? undefined : { path: r.body.nextRecordsUrl }),
          )) {
            page++;
            const records: Record<string, unknown>[] = [];
            const deletes: Record<string, unknown>[] = [];
            for (const r of res.body.records) {
              const { attributes: _attributes, ...rest } = r;
              (rest.IsDeleted === true ? deletes : records).push(rest);
            }
            const last = res.body.records.at(-1);
            yield {
              records,
              deletes,
              positions: records.map((_, i) => `queryAll page ${page} row ${i + 1}`),
              cursor: last
                ? ({
                    systemModstamp: String(last.SystemModstamp),
                    id: String(last.Id),
                  } satisfies SalesforceCursor)
                : (cursor ?? undefined),
            };
          }
        },
      };
    });
  },
};
