export { netsuiteSource } from "./source.js";
export { netsuiteClient } from "./client.js";
