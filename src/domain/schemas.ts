/**
 * Result schemas shared by every engine. Defined once with zod; the TypeScript types are
 * derived from them, and the Gemini engine derives its response schemas from them too.
 */
import { z } from 'zod';

/** Camera settings recommended by ContentAgent. Strings, because photographers read "f/2.8". */
export const CameraSettingsSchema = z.object({
  aperture: z.string().min(1).describe('Recommended aperture, e.g. "f/2.8"'),
  shutter_speed: z.string().min(1).describe('Recommended shutter speed, e.g. "1/125"'),
  iso: z.string().min(1).describe('Recommended ISO, e.g. "400"'),
  white_balance: z.string().describe('Recommended white balance, e.g. "Daylight (5500K)"'),
  exposure_compensation: z.string().describe('Recommended exposure compensation, e.g. "+0.7 EV"'),
  reason: z.string().describe('One sentence explaining the recommendation'),
  /** What the photo was actually shot with, from EXIF, when known. */
  current: z
    .object({
      aperture: z.string().optional(),
      shutter_speed: z.string().optional(),
      iso: z.string().optional(),
      focal_length: z.string().optional(),
      camera: z.string().optional(),
    })
    .optional(),
});
export type CameraSettings = z.infer<typeof CameraSettingsSchema>;

/** One improvement proposed by AnalysisAgent; each becomes one generated image. */
export const SuggestionSchema = z.object({
  title: z.string().min(1).max(120).describe('Short title, at most 8 words'),
  description: z.string().min(1).describe('Why this change improves the photo, 1-2 sentences'),
  instruction: z.string().min(1).describe('Concrete edit instruction for an image editor'),
  /** Engine-specific, machine-readable edit (the local engine's recipe). */
  recipe: z.record(z.string(), z.unknown()).optional(),
});
export type Suggestion = z.infer<typeof SuggestionSchema>;

const score = z.number().min(0).max(10);

/** Scores from 0 (poor) to 10 (excellent). */
export const ScoresSchema = z.object({
  exposure: score,
  contrast: score,
  color: score,
  sharpness: score,
  composition: score,
  overall: score,
});
export type Scores = z.infer<typeof ScoresSchema>;

/** The critique produced by AnalysisAgent. */
export const AnalysisSchema = z.object({
  summary: z.string().min(1).describe('Two or three sentence critique of the photo'),
  scores: ScoresSchema,
  strengths: z.array(z.string()),
  issues: z.array(z.string()),
  suggestions: z.array(SuggestionSchema).min(1),
  /** Raw measurements behind the scores (local engine), for transparency. */
  metrics: z.record(z.string(), z.unknown()).optional(),
});
export type Analysis = z.infer<typeof AnalysisSchema>;
