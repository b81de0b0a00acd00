import type { ExifSummary } from '../../domain/readExif';

/** Crop factor from which a sensor is a phone's (APS-C is 1.5, a 1" compact 2.7). */
const PHONE_CROP = 3.5;
/** Lenses shorter than this, with no 35 mm figure, are phone lenses (as equivalentFocalLength assumes). */
const PHONE_FOCAL = 12;

/**
 * True when EXIF describes a phone camera: its aperture is fixed, so advice can only move the
 * shutter and ISO (and depth of field comes from its portrait mode, not from the f-number).
 */
export function isPhoneCamera(exif: ExifSummary): boolean {
  if (!exif.focalLength) return false;
  if (exif.focalLength35) return exif.focalLength35 / exif.focalLength >= PHONE_CROP;
  return exif.focalLength < PHONE_FOCAL;
}
