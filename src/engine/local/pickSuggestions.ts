/**
 * Chooses the edits to propose: most relevant first, one per kind, ties broken by catalogue
 * order, always exactly `count`.
 */
import type { Suggestion } from '../../domain/schemas';
import { EDIT_CATALOGUE } from './editCatalogue';
import type { EditContext, EditDefinition } from './EditDefinition';

export const MAX_SUGGESTIONS = 8;

export interface RankedEdit {
  definition: EditDefinition;
  relevance: number;
}

/** Applicable catalogue entries ranked by relevance (deterministic order). */
export function rankEdits(context: EditContext, catalogue: readonly EditDefinition[] = EDIT_CATALOGUE): RankedEdit[] {
  return catalogue
    .map((definition, order) => ({ definition, relevance: definition.relevance(context), order }))
    .filter((e) => e.relevance >= 0)
    .sort((a, b) => b.relevance - a.relevance || a.order - b.order)
    .map(({ definition, relevance }) => ({ definition, relevance }));
}

/**
 * `count` suggestions (1..MAX_SUGGESTIONS), each of a different kind. Throws a RangeError for a
 * count outside that range; the catalogue guarantees enough applicable kinds for any photo.
 */
export function pickSuggestions(context: EditContext, count: number): Suggestion[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SUGGESTIONS) {
    throw new RangeError(`count must be an integer from 1 to ${MAX_SUGGESTIONS}, got ${count}`);
  }
  const ranked = rankEdits(context);
  if (ranked.length < count) {
    throw new RangeError(`only ${ranked.length} edits apply to this photo, ${count} were asked for`);
  }
  return ranked.slice(0, count).map(({ definition }) => {
    const planned = definition.plan(context);
    return {
      title: planned.title,
      description: planned.description,
      instruction: planned.instruction,
      recipe: planned.recipe,
    };
  });
}
