/**
 * The local engine's catalogue of edits, in tie-break order (earlier wins equal relevance).
 */
import { blackAndWhiteEdit, colourGradeEdit, sepiaEdit, vibranceEdit, whiteBalanceEdit } from './colourEdits';
import type { EditDefinition } from './EditDefinition';
import type { EditKind } from './editRecipe';
import { denoiseEdit, reframeEdit, sharpenEdit, vignetteEdit } from './framingEdits';
import { contrastEdit, exposureEdit, localContrastEdit, matteEdit } from './toneEdits';

/** Every edit the local engine can suggest and render; one per kind. */
export const EDIT_CATALOGUE: readonly EditDefinition[] = [
  exposureEdit,
  whiteBalanceEdit,
  sharpenEdit,
  denoiseEdit,
  contrastEdit,
  reframeEdit,
  vibranceEdit,
  localContrastEdit,
  blackAndWhiteEdit,
  vignetteEdit,
  colourGradeEdit,
  sepiaEdit,
  matteEdit,
];

/** The catalogue entry for `kind`. */
export function editOfKind(kind: EditKind): EditDefinition {
  const found = EDIT_CATALOGUE.find((e) => e.kind === kind);
  if (!found) throw new Error(`No edit of kind ${kind}`);
  return found;
}
