// Pure helpers of the Floor screen (no state: safe to call inside $derived).

/** Items grouped by a key, groups and items in first-seen order. */
export function groupBy<T>(items: Iterable<T>, keys: (item: T) => string[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const item of items) {
    for (const k of keys(item)) {
      const list = m.get(k);
      if (list) list.push(item);
      else m.set(k, [item]);
    }
  }
  return m;
}
