/**
 * What kind of shot this is, as far as exposure choices go: an isolated subject (wants shallow
 * depth of field and a safe shutter speed), a landscape (wants depth of field), or general.
 */
import type { PhotoMetrics } from './PhotoMetrics';
import type { ExifSummary } from '../../domain/readExif';
import { equivalentFocalLength } from './equivalentFocalLength';

export type SceneKind = 'subject' | 'landscape' | 'general';

/** Classifies from subject isolation, how detail is spread over the frame, and focal length. */
export function classifyScene(metrics: PhotoMetrics, exif: ExifSummary): SceneKind {
  const focal = equivalentFocalLength(exif);
  const { isolation } = metrics.subject;
  const { detailSpread, upperDetailRatio, meanGradient } = metrics.sharpness;
  if (isolation >= 1.6 || (focal !== undefined && focal >= 70)) return 'subject';
  if (focal !== undefined && focal <= 28) return 'landscape';
  // Smooth sky above textured ground.
  if (upperDetailRatio < 0.4 && meanGradient >= 4) return 'landscape';
  // A sharp region against smooth or defocused surroundings.
  if (detailSpread >= 2.5) return 'subject';
  // Detail everywhere, nothing standing out.
  if (detailSpread < 1.8 && meanGradient >= 8) return 'landscape';
  return 'general';
}
