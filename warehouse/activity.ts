import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The label of the work a warehouse transaction is done for (a DAG node), carried through async
 * calls so the warehouse can tag the connection with it: a Postgres connection's
 * application_name, which pg_stat_activity shows beside what the connection waits for. That is
 * how a run tells, node by node, the time spent waiting on locks from the time spent working.
 */
const activity = new AsyncLocalStorage<string>();

export function withActivity<T>(label: string, fn: () => Promise<T>): Promise<T> {
  return activity.run(label, fn);
}

export function currentActivity(): string | undefined {
  return activity.getStore();
}
