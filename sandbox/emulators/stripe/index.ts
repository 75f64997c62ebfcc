import type { SystemEmulatorModule } from "../context.js";

/** Placeholder until the stripe emulator lands: answers 501 to everything. */
export const stripeModule: SystemEmulatorModule = {
  system: "stripe",
  create: () => ({
    system: "stripe",
    handle: () => ({ status: 501, body: { error: "stripe emulator not implemented yet" } }),
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
