/** organizations: the time-based export's next start_time; tickets: the cursor-based export's after_cursor. */
export type ZendeskCursor = { startTime?: number; cursor?: string };

/** Keeps the last occurrence of each id: a page of the time-based export can repeat records. */
export function uniqueById<T extends { id?: unknown }>(rows: T[]): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(String(r.id), r);
  return [...m.values()];
}
