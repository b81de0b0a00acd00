/**
 * The schemas the Gemini text model must answer with, derived from the shared zod result
 * schemas so that there is one definition of a result. Engine-local fields (`current`,
 * `recipe`, `metrics`) are left out: the model does not produce them.
 */
import { z } from 'zod';
import { AnalysisSchema, CameraSettingsSchema, SuggestionSchema } from '../../domain/schemas';
import { toGeminiJsonSchema } from './toGeminiJsonSchema';

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
