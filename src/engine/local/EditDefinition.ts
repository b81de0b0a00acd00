/**
 * One entry of the local engine's edit catalogue: when it helps, and what it does to this photo.
 */
import type { EditKind, EditRecipe } from './editRecipe';
import type { ExposureAnalysis } from './exposureAnalysis';
import type { PhotoMetrics } from './PhotoMetrics';

/** Everything an edit may look at. */
export interface EditContext {
  metrics: PhotoMetrics;
  exposure: ExposureAnalysis;
}

/** A concrete edit for one photo: the text of a suggestion plus its recipe. */
export interface PlannedEdit {
  title: string;
  description: string;
  instruction: string;
  recipe: EditRecipe;
}

export interface EditDefinition {
  kind: EditKind;
  /** Words that identify this edit in free-text suggestions (from other engines). */
  keywords: readonly string[];
  /** How much this edit would help, 0..1; negative when it makes no sense for the photo. */
  relevance(context: EditContext): number;
  plan(context: EditContext): PlannedEdit;
}

/** Starts a recipe of `kind`. */
export function recipe(kind: EditKind, parts: Omit<EditRecipe, 'engine' | 'version' | 'kind'>): EditRecipe {
  return { engine: 'local', version: 1, kind, ...parts };
}
