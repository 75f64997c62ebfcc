/**
 * A pure function of a string, remembered. For hot paths that meet few distinct inputs many
 * times (field names, stored timestamps); past `max` entries it stops remembering, so an input
 * with ever-new values costs no more than calling `fn` and holds bounded memory.
 */
export function memoize<V>(fn: (key: string) => V, max = 100_000): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = fn(key);
      if (cache.size < max) cache.set(key, value);
    }
    return value;
  };
}
