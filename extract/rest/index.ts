export { restSource, restDescriptor, columnOf } from "./source.js";
export * from "./define.js";
