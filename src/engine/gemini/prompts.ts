/**
 * The words sent to Gemini. Kept apart from the call plumbing so they can be tuned (and
 * reviewed) without touching resilience code.
 */
import type { Suggestion } from '../../domain/schemas';
import type { ShotWith } from '../../domain/describeShotWith';

/** System instruction shared by both agents. */
export const COACH_SYSTEM_INSTRUCTION =
  'You are SnatchShot, an experienced photography coach. You look at one photo at a time and ' +
  'give concrete, practical advice a photographer can act on. Be specific to what is visible ' +
  'in this photo; never give generic tips. Answer only with JSON that matches the response schema.';

/** ContentAgent: camera settings for this scene, EXIF-aware. */
export function settingsPrompt(exif: ShotWith | undefined): string {
  const lines = [
    'Recommend camera settings for photographing this scene again, better.',
    'Consider the light, the subject and any motion you can see.',
    'Fields: aperture (e.g. "f/2.8"), shutter_speed (e.g. "1/125"), iso (e.g. "400"),',
    'white_balance (e.g. "Daylight (5500K)"), exposure_compensation (e.g. "+0.7 EV"),',
    'and reason: one sentence explaining the choice.',
  ];
  const shotWith = describeExif(exif);
  if (shotWith) {
    lines.push(
      `The photo's EXIF says it was shot at ${shotWith}.`,
      'Start from these settings and change only what would improve the result; say why in the reason.',
    );
  } else {
    lines.push('The photo carries no EXIF exposure data; infer the settings from what you see.');
  }
  return lines.join('\n');
}

/** AnalysisAgent: critique plus exactly `count` suggestions. */
export function analysisPrompt(count: number): string {
  return [
    'Critique this photo: composition, lighting, colour, focus and subject.',
    'Give a two or three sentence summary, scores from 0 (poor) to 10 (excellent) for exposure,',
    'contrast, color, sharpness, composition and overall, a few strengths and a few issues.',
    `Then propose exactly ${count} distinct improvement suggestions, most valuable first.`,
    'Each suggestion has a short title (at most 8 words), a description (1-2 sentences: why it',
    'improves the photo) and an instruction: a concrete, self-contained edit instruction for an',
    'image-editing model that will edit this very photo (for example "Crop to a 4:5 frame with',
    'the dog\'s eyes on the upper third line and lift the shadows by one stop").',
    'Suggestions must differ from each other and be achievable by editing this photo.',
  ].join('\n');
}

/** Image model: edit the uploaded photo following one suggestion. */
export function imageEditPrompt(suggestion: Pick<Suggestion, 'title' | 'instruction' | 'description'>): string {
  return [
    `Edit the attached photo: ${suggestion.instruction}`,
    `Goal: ${suggestion.title}. ${suggestion.description}`,
    'Keep the same scene, subject and identity; change only what the instruction asks for.',
    'Photorealistic result. Do not add text, borders or watermarks. Return the edited image.',
  ].join('\n');
}

function describeExif(exif: ShotWith | undefined): string | undefined {
  if (!exif) return undefined;
  const parts = [
    exif.aperture,
    // Fractions read as seconds; slow speeds already carry their unit (0.5").
    exif.shutter_speed && (exif.shutter_speed.endsWith('"') ? exif.shutter_speed : `${exif.shutter_speed} s`),
    exif.iso && `ISO ${exif.iso}`,
    exif.focal_length,
    exif.camera && `on a ${exif.camera}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
