import type { SystemEmulatorModule } from "../context.js";

/** Placeholder until the zendesk emulator lands: answers 501 to everything. */
export const zendeskModule: SystemEmulatorModule = {
  system: "zendesk",
  create: () => ({
    system: "zendesk",
    handle: () => ({ status: 501, body: { error: "zendesk emulator not implemented yet" } }),
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
