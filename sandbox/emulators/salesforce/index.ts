import type { SystemEmulatorModule } from "../context.js";

/** Placeholder until the salesforce emulator lands: answers 501 to everything. */
export const salesforceModule: SystemEmulatorModule = {
  system: "salesforce",
  create: () => ({
    system: "salesforce",
    handle: () => ({ status: 501, body: { error: "salesforce emulator not implemented yet" } }),
  }),
  faults: {
    throttled: (s) => ({
      status: 429,
      headers: { "Retry-After": String(s) },
      body: { error: "rate limited" },
    }),
    serverError: () => ({ status: 503, headers: {}, body: { error: "unavailable" } }),
  },
};
