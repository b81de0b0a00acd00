/**
 * The schemas the Gemini text model must answer with, derived from the shared zod result
 * schemas so that there is one definition of a result. Engine-local fields (`current`,
 * `recipe`, `metrics`) are left out: the model does not produce them.
 */
import { z } from 'zod';
import { AnalysisSchema, CameraSettingsSchema, SuggestionSchema } from '../../domain/schemas';

/** What the model answers for ContentAgent; validated with zod after parsing. */
export const SettingsAnswerSchema = CameraSettingsSchema.omit({ current: true });
export type SettingsAnswer = z.infer<typeof SettingsAnswerSchema>;

/** Longest title a result may carry (SuggestionSchema's bound). */
const MAX_TITLE_LENGTH = 120;

/**
 * A title past the bound, cut at the last word that fits and marked with an ellipsis. The
 * response schema cannot carry `maxLength` to the model, and one wordy title should not fail
 * the whole analysis.
 */
export function shortenTitle(title: string): string {
  if (title.length <= MAX_TITLE_LENGTH) return title;
  let room = title.slice(0, MAX_TITLE_LENGTH - 1);
  // Never keep half of a surrogate pair (an emoji cut in two).
  if (/[\uD800-\uDBFF]$/.test(room)) room = room.slice(0, -1);
  const lastSpace = room.lastIndexOf(' ');
  return `${(lastSpace > MAX_TITLE_LENGTH / 2 ? room.slice(0, lastSpace) : room).trimEnd()}…`;
}

/** One model-written suggestion (no engine recipe); an over-long title is shortened. */
export const SuggestionAnswerSchema = SuggestionSchema.omit({ recipe: true }).extend({
  // Shortened before the bound is checked (checks run in order).
  title: z
    .string()
    .min(1)
    .overwrite(shortenTitle)
    .max(MAX_TITLE_LENGTH)
    .describe(SuggestionSchema.shape.title.description ?? 'Short title'),
});

/**
 * What the model answers for AnalysisAgent. Validation accepts any non-empty number of
 * suggestions; the engine then trims extras or rejects too few, with a clearer message than
 * a schema error would give.
 */
export const AnalysisAnswerSchema = AnalysisSchema.omit({ metrics: true }).extend({
  suggestions: z.array(SuggestionAnswerSchema).min(1),
});
export type AnalysisAnswer = z.infer<typeof AnalysisAnswerSchema>;

/** JSON Schema for `responseJsonSchema` of the settings call. */
export function settingsResponseJsonSchema(): Record<string, unknown> {
  return toGeminiJsonSchema(SettingsAnswerSchema);
}

/** JSON Schema for `responseJsonSchema` of the analysis call, asking for exactly `count` suggestions. */
export function analysisResponseJsonSchema(count: number): Record<string, unknown> {
  return toGeminiJsonSchema(
    AnalysisAnswerSchema.extend({ suggestions: z.array(SuggestionAnswerSchema).min(count).max(count) }),
  );
}

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
