import { ConfigError } from "../../../core/errors.js";
import type { ExtractBatch } from "../../../load/interfaces.js";
import type { Source, SourceContext, StreamHandle } from "../../interfaces.js";
import { enabledStreams } from "../common.js";
import { salesforceClient } from "./client.js";
import { soqlWhere, startCursor, type SalesforceCursor } from "./incremental.js";
import {
  SALESFORCE_STREAMS,
  columnTypes,
  descriptorFor,
  isSalesforceApiName,
  type DescribeField,
} from "./streams.js";

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

/**
 * Salesforce objects through `queryAll` (deleted rows included, so they become tombstones),
 * every field that describe lists (custom `__c` included), ordered by SystemModstamp then Id;
 * each page commits with the cursor of its last record, so a crash or a spent API quota costs
 * at most the page in flight.
 */
export const salesforceSource: Source = {
  name: "salesforce",
  declaredStreams: (config) => enabledStreams(config, "salesforce", SALESFORCE_STREAMS),
  streams(ctx: SourceContext): StreamHandle[] {
    const names = enabledStreams(ctx.config, "salesforce", SALESFORCE_STREAMS);
    if (!names.length) return [];
    const { http, budget } = salesforceClient(ctx);
    const cfg = ctx.config.sources.salesforce!;
    const api = `/services/data/${cfg.apiVersion}`;
    return names.map((object) => {
      const descriptor = descriptorFor(object);
      return {
        descriptor,
        async *read(saved): AsyncGenerator<ExtractBatch> {
          if (!isSalesforceApiName(object))
            throw new ConfigError(
              `sources.salesforce.streams: ${JSON.stringify(object)} is not a Salesforce object API name (a letter, then letters, digits and single underscores, optionally acme__ before and __c after); fix it in the config`,
            );
          budget.check(`${object} describe`);
          const describe = await http.request<{ fields: DescribeField[] }>({
            path: `${api}/sobjects/${object}/describe`,
          });
          // Field names go into SOQL as they are: one outside the API-name grammar is not a field
          // Salesforce can have, so it is left out (and said), never quoted into the query.
          const named = describe.body.fields.filter((f) => {
            if (typeof f.name === "string" && isSalesforceApiName(f.name)) return true;
            ctx.log.warn(
              { source: "salesforce", object, field: f.name },
              `Salesforce ${object}: describe lists a field named ${JSON.stringify(f.name)}, which is not a Salesforce API name; it is not extracted`,
            );
            return false;
          });
          // base64 (file bodies) cannot be read many rows at a time; everything else is selected.
          const readable = named.filter((f) => f.type !== "base64");
          const fields = readable.map((f) => f.name);
          descriptor.columnTypes = columnTypes(readable);
          for (const needed of ["Id", "SystemModstamp", "IsDeleted"])
            if (!fields.includes(needed))
              throw new Error(
                `Salesforce ${object}: describe lists no ${needed} field, so the object cannot be read incrementally`,
              );
          let cursor: SalesforceCursor | undefined = startCursor(ctx, saved);
          const where = soqlWhere(cursor, cfg.lookbackSeconds);
          const q = `SELECT ${fields.join(", ")} FROM ${object}${where ? ` WHERE ${where}` : ""} ORDER BY SystemModstamp, Id`;
          budget.check(`${object} query`);
          let page = 0;
          const pages = http.paginate<QueryPage>(
            {
              path: `${api}/queryAll`,
              query: { q },
              headers: { "Sforce-Query-Options": `batchSize=${cfg.batchSize}` },
            },
            (r) => (r.body.done || !r.body.nextRecordsUrl ? undefined : { path: r.body.nextRecordsUrl }),
          );
          for await (const res of pages) {
            page++;
            const records: Record<string, unknown>[] = [];
            const positions: string[] = [];
            const deletes: Record<string, unknown>[] = [];
            for (const [i, r] of res.body.records.entries()) {
              const { attributes: _attributes, ...rest } = r;
              if (rest.IsDeleted === true) deletes.push(rest);
              else {
                records.push(rest);
                positions.push(`${object} queryAll page ${page} row ${i + 1}`);
              }
            }
            const last = res.body.records.at(-1);
            if (last) cursor = { systemModstamp: String(last.SystemModstamp), id: String(last.Id) };
            yield { records, deletes, positions, cursor };
            // The page above is committed once control returns here; stop before asking for more.
            if (!res.body.done) budget.check(`${object} page ${page + 1}`);
          }
        },
      };
    });
  },
};
