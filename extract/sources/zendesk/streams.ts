export const ZENDESK_STREAMS = ["organizations", "tickets"] as const;
