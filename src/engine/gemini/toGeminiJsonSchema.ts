import { z } from 'zod';

/**
 * Keywords Gemini's `responseJsonSchema` accepts (per the API reference); anything else
 * (`$schema`, `minLength`, `pattern`, …) is dropped rather than risk a 400. zod re-checks
 * the full constraints on the answer.
 */
const SUPPORTED_KEYWORDS = new Set([
  '$id',
  '$defs',
  '$ref',
  '$anchor',
  'type',
  'format',
  'title',
  'description',
  'enum',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'anyOf',
  'oneOf',
  'properties',
  'additionalProperties',
  'required',
  'propertyOrdering',
]);

/** Converts a zod schema to the JSON Schema subset Gemini supports. */
export function toGeminiJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return sanitize(z.toJSONSchema(schema, { io: 'output' })) as Record<string, unknown>;
}

function sanitize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sanitize);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (!SUPPORTED_KEYWORDS.has(key)) continue;
    if (key === 'properties' || key === '$defs') {
      // Keys here are field names, not keywords: keep them all, sanitise their schemas.
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, sanitize(sub)]),
      );
    } else {
      out[key] = sanitize(value);
    }
  }
  // Gemini emits properties in this order; the schema's order reads naturally.
  if (out.properties && typeof out.properties === 'object' && !out.propertyOrdering) {
    out.propertyOrdering = Object.keys(out.properties);
  }
  return out;
}
