import { CONFIG_VARIABLES } from './loadConfig';

/** Set in a .env for the runtime, not read by the service: never reported. */
const RUNTIME_VARIABLES = new Set(['NODE_ENV', 'NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'UV_THREADPOOL_SIZE', 'TZ']);

/** Read from the same .env by `npm run demo` (test-api.ts, docs/tools.md): settings too, of the tool. */
const TOOL_VARIABLES = new Set(['API_URL', 'WS_URL', 'TIMEOUT_SECONDS']);

/** A variable nothing reads, and the known one it most likely meant to be. */
export interface UnknownVariable {
  name: string;
  didYouMean?: string;
}

/**
 * The names in `names` (those a .env file set) that no setting reads: a misspelling such as
 * `LOG_LEVL` is otherwise ignored without a word, and the default silently applies.
 */
export function findUnknownVariables(names: readonly string[]): UnknownVariable[] {
  const known = new Set(CONFIG_VARIABLES);
  return names
    .filter((name) => !known.has(name) && !RUNTIME_VARIABLES.has(name) && !TOOL_VARIABLES.has(name))
    .map((name) => {
      const closest = nearest(name, CONFIG_VARIABLES);
      return closest ? { name, didYouMean: closest } : { name };
    });
}

/** The known name within two edits of `name` (case ignored), closest first. */
function nearest(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toUpperCase(), candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
