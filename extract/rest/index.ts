export { restSource, restDescriptor, restDescriptors, columnOf } from "./source.js";
export * from "./define.js";
