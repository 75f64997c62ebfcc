export type * from "./interfaces.js";
export { loadStream, type LoadStreamOptions } from "./load-stream.js";
export { readCursor, writeCursor, resetCursor } from "./state.js";
export { flattenRecord, snakeCase, tableName } from "./naming.js";
export { rawTable, stagingTable } from "./tables.js";
export { toLoadBatch, rowsOf } from "./arrow.js";
