/**
 * The machine-readable edit the local engine attaches to each suggestion and later renders.
 * It travels through the pipeline as plain JSON (`Suggestion.recipe`), so it is validated again
 * before rendering.
 */
import { z } from 'zod';

export const EDIT_KINDS = [
  'exposure',
  'contrast',
  'white_balance',
  'vibrance',
  'black_and_white',
  'sharpen',
  'denoise',
  'reframe',
  'vignette',
  'local_contrast',
  'colour_grade',
  'matte',
  'sepia',
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

const fraction = z.number().min(0).max(1);
const gain = z.number().min(0.25).max(4);
const triple = z.tuple([gain, gain, gain]);
const weight = z.number().min(0).max(1);

/** Tone mapping, in this order: exposure (linear light) and gains per channel; then levels,
 *  gamma, S-curve and lift on luma. */
export const ToneSchema = z
  .object({
    exposureEv: z.number().min(-3).max(3).optional(),
    /** Channel gains in the encoded domain (white balance). */
    gains: triple.optional(),
    blackPoint: fraction.optional(),
    whitePoint: fraction.optional(),
    /** > 1 brightens mid-tones. */
    gamma: z.number().min(0.3).max(3).optional(),
    /** S-curve strength; negative flattens. */
    curve: z.number().min(-1).max(1).optional(),
    /** Output black level (matte look). */
    lift: z.number().min(0).max(0.3).optional(),
  })
  .refine((t) => (t.whitePoint ?? 1) - (t.blackPoint ?? 0) >= 0.1, 'whitePoint must exceed blackPoint by 0.1');

export const EditRecipeSchema = z.object({
  engine: z.literal('local'),
  version: z.literal(1),
  kind: z.enum(EDIT_KINDS),
  /** Region to keep, as fractions of the (oriented) frame. */
  crop: z
    .object({ left: fraction, top: fraction, width: z.number().gt(0).max(1), height: z.number().gt(0).max(1) })
    .refine((c) => c.left + c.width <= 1.0001 && c.top + c.height <= 1.0001, 'crop must stay inside the frame')
    .optional(),
  tone: ToneSchema.optional(),
  colour: z
    .object({
      saturation: z.number().min(0).max(3).optional(),
      /** Channel mix for black and white (normalised to sum 1). */
      mono: z
        .tuple([weight, weight, weight])
        .refine((w) => w[0] + w[1] + w[2] > 0.01, 'mono weights must not all be zero')
        .optional(),
      /** Channel multipliers applied last (colour grade, sepia). */
      tint: triple.optional(),
    })
    .optional(),
  /** Contrast-limited adaptive histogram equalisation; tile as a fraction of the long edge. */
  localContrast: z.object({ tile: z.number().min(0.02).max(0.5), maxSlope: z.number().int().min(1).max(10) }).optional(),
  /** Median filter of (2 × radius + 1) px at the output size: smooths grain, keeps edges. */
  denoise: z.object({ radius: z.number().int().min(1).max(3) }).optional(),
  /** Unsharp mask; a large sigma gives "clarity" (mid-frequency contrast). */
  sharpen: z.object({ sigma: z.number().min(0.3).max(10), amount: z.number().min(0).max(6) }).optional(),
  /** Darkened corners; centre as frame fractions. */
  vignette: z.object({ strength: fraction, x: fraction, y: fraction }).optional(),
});
export type EditRecipe = z.infer<typeof EditRecipeSchema>;
export type ToneRecipe = z.infer<typeof ToneSchema>;

/** The recipe in `value` if it is a valid local-engine recipe, else undefined. */
export function parseRecipe(value: unknown): EditRecipe | undefined {
  const result = EditRecipeSchema.safeParse(value);
  return result.success ? result.data : undefined;
}
