/**
 * Colour edits expressed as one 3 × 3 matrix for sharp's `recomb`: saturation, a black-and-white
 * channel mix, then per-channel tint.
 */
import type { EditRecipe } from './editRecipe';

type Matrix3 = [[number, number, number], [number, number, number], [number, number, number]];

/** Rec. 709 luma weights. */
const LUMA: [number, number, number] = [0.2126, 0.7152, 0.0722];

/** The recomb matrix for `colour`, or undefined when it would be the identity. */
export function buildColourMatrix(colour: NonNullable<EditRecipe['colour']>): Matrix3 | undefined {
  const { saturation, mono, tint } = colour;
  if (saturation === undefined && !mono && !tint) return undefined;
  let matrix: Matrix3;
  if (mono) {
    const sum = mono[0] + mono[1] + mono[2];
    const row: [number, number, number] = [mono[0] / sum, mono[1] / sum, mono[2] / sum];
    matrix = [[...row], [...row], [...row]];
  } else {
    // Blend each channel toward luma: s = 0 is grey, 1 unchanged, > 1 more saturated.
    const s = saturation ?? 1;
    matrix = [0, 1, 2].map((r) => [0, 1, 2].map((c) => (r === c ? s : 0) + (1 - s) * LUMA[c])) as Matrix3;
  }
  if (tint) matrix = matrix.map((row, r) => row.map((v) => v * tint[r])) as Matrix3;
  return matrix;
}
