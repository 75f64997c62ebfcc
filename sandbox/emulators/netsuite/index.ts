import type { SystemEmulatorModule } from "../context.js";

/** Placeholder until the netsuite emulator lands: answers 501 to everything. */
export const netsuiteModule: SystemEmulatorModule = {
  system: "netsuite",
  create: () => ({
    system: "netsuite",
    handle: () => ({ status: 501, body: { error: "netsuite emulator not implemented yet" } }),
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
