/**
 * What kind of shot this is, as far as exposure choices go: an isolated subject (wants shallow
 * depth of field and a safe shutter speed), a landscape (wants depth of field), or general.
 */
import type { PhotoMetrics } from './PhotoMetrics';
import type { ExifSummary } from '../../domain/readExif';

export type SceneKind = 'subject' | 'landscape' | 'general';

/** 35 mm-equivalent focal length when EXIF allows an estimate. */
export function equivalentFocalLength(exif: ExifSummary): number | undefined {
  if (exif.focalLength35) return exif.focalLength35;
  if (!exif.focalLength) return undefined;
  // Sub-12 mm lenses without a 35 mm figure are phone cameras (crop factor around 6).
  return exif.focalLength < 12 ? exif.focalLength * 6 : exif.focalLength;
}

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
