/**
 * Whether a DEBUG value turns on `namespace`, read the way the `debug` package (which the
 * seed's `DEBUG=websocket:*` comes from) reads it: names separated by commas or spaces, `*` as
 * a wildcard (`DEBUG=*` turns on everything), and a leading `-` excluding what it matches.
 */
export function debugEnables(value: string, namespace: string): boolean {
  let enabled = false;
  for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
    const excluded = entry.startsWith('-');
    const pattern = excluded ? entry.slice(1) : entry;
    if (!matches(pattern, namespace)) continue;
    // An exclusion wins wherever it stands, as in `debug`.
    if (excluded) return false;
    enabled = true;
  }
  return enabled;
}

function matches(pattern: string, namespace: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`).test(namespace);
}
