import type { ExifSummary } from '../../domain/readExif';

/** 35 mm-equivalent focal length when EXIF allows an estimate. */
export function equivalentFocalLength(exif: ExifSummary): number | undefined {
  if (exif.focalLength35) return exif.focalLength35;
  if (!exif.focalLength) return undefined;
  // Sub-12 mm lenses without a 35 mm figure are phone cameras (crop factor around 6).
  return exif.focalLength < 12 ? exif.focalLength * 6 : exif.focalLength;
}
