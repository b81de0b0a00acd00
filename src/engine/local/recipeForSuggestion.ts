/**
 * The recipe to render for a suggestion: its own local recipe when it carries a valid one,
 * otherwise the catalogue edit its words name (suggestions may come from another engine), and
 * failing that a contrast-and-levels touch-up.
 */
import type { Suggestion } from '../../domain/schemas';
import { EDIT_CATALOGUE, editOfKind } from './editCatalogue';
import type { EditContext } from './EditDefinition';
import { parseRecipe, type EditRecipe } from './editRecipe';

/** A renderable recipe for `suggestion` on the photo described by `context`. */
export function recipeForSuggestion(suggestion: Suggestion, context: EditContext): EditRecipe {
  const own = parseRecipe(suggestion.recipe);
  if (own) return own;
  const text = `${suggestion.title} ${suggestion.instruction} ${suggestion.description}`.toLowerCase();
  // First the title alone (most specific), then all the text.
  for (const haystack of [suggestion.title.toLowerCase(), text]) {
    for (const definition of EDIT_CATALOGUE) {
      if (definition.relevance(context) < 0) continue;
      if (definition.keywords.some((k) => haystack.includes(k))) return definition.plan(context).recipe;
    }
  }
  return editOfKind('contrast').plan(context).recipe;
}
