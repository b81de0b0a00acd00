/**
 * Separates the Buffers of a value from the rest, so the rest can be JSON and the bytes raw
 * files (the spool), and puts them back. A Buffer's place is recorded as a path of keys and
 * indexes rather than a marker in the JSON, so no field value can be mistaken for one.
 */

export type ValuePath = (string | number)[];

export interface SplitValue {
  /** The value with every Buffer replaced by null (plain objects and arrays copied). */
  rest: unknown;
  buffers: { path: ValuePath; data: Buffer }[];
}

/** Splits `value` (plain objects, arrays, primitives and Buffers) into its JSON part and its Buffers. */
export function splitBuffers(value: unknown): SplitValue {
  const buffers: SplitValue['buffers'] = [];
  const walk = (node: unknown, path: ValuePath): unknown => {
    if (Buffer.isBuffer(node)) {
      buffers.push({ path, data: node });
      return null;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };
  return { rest: walk(value, []), buffers };
}

/** Puts `buffers` back into `rest` (as parsed from JSON) at their paths; a path that does not fit throws. */
export function joinBuffers(rest: unknown, buffers: { path: ValuePath; data: Buffer }[]): unknown {
  let root = rest;
  for (const { path, data } of buffers) {
    if (path.length === 0) {
      root = data;
      continue;
    }
    let node = root;
    for (const key of path.slice(0, -1)) {
      node = (node as Record<string | number, unknown> | null)?.[key];
      if (node === null || typeof node !== 'object') throw new Error(`no place for a spooled buffer at ${path.join('.')}`);
    }
    (node as Record<string | number, unknown>)[path[path.length - 1]] = data;
  }
  return root;
}
