export { stripeSource } from "./source.js";
export { stripeClient } from "./client.js";
