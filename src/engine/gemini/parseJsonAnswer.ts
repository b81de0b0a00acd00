/**
 * Finding the JSON in a model's text answer. Models asked for JSON sometimes wrap it in a
 * ```json fence or say a sentence before or after it, despite responseMimeType.
 */

const FENCE = /```[A-Za-z]*[ \t]*\r?\n?([\s\S]*?)```/g;
/** Fenced blocks tried; a real answer has one or two. */
const MAX_FENCES = 32;

/**
 * Parses `text` as JSON: the whole text, else the first ```-fenced block that parses (of the
 * first MAX_FENCES), else the one JSON object embedded in prose. Throws the whole text's SyntaxError when none of these is
 * JSON, or when the prose holds more than one object (which one was meant is a guess).
 */
export function parseJsonAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    let fences = 0;
    for (const [, body] of text.matchAll(FENCE)) {
      const parsed = tryParse(body);
      if (parsed.ok) return parsed.value;
      // Each failed parse builds a SyntaxError: a megabyte of backticks cost 1 s of blocked event loop.
      if (++fences >= MAX_FENCES) break;
    }
    const objects = embeddedObjects(text);
    if (objects.length === 1) return objects[0];
    throw error;
  }
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Opening braces tried as the start of an object. Each try scans to its closing brace, so
 * without a cap an answer of nothing but `{` (a misbehaving upstream) costs time quadratic in
 * its length: 3.5 s of blocked event loop for 40 KB. A real answer has a few braces of prose at most.
 */
const MAX_STARTS = 32;

/** The top-level `{…}` spans of `text` that parse as JSON objects, in order (from the first MAX_STARTS braces tried). */
function embeddedObjects(text: string): unknown[] {
  const found: unknown[] = [];
  let from = text.indexOf('{');
  for (let starts = 0; from !== -1 && starts < MAX_STARTS; starts += 1) {
    const end = matchingBrace(text, from);
    const parsed = end === -1 ? { ok: false as const } : tryParse(text.slice(from, end + 1));
    if (parsed.ok) {
      found.push(parsed.value);
      from = text.indexOf('{', end + 1);
    } else {
      // A brace in prose ("{like this}") is not an object: look at the next one.
      from = text.indexOf('{', from + 1);
    }
  }
  return found;
}

/** The index of the `}` closing the `{` at `open`, skipping braces inside JSON strings; -1 if none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}
