import type { CameraSettings } from './schemas';
import { formatAperture, formatIso, formatShutter } from './formatExposure';
import { readExif, type ExifSummary } from './readExif';

/** What a photo was shot with, as `settings.current` reports it. */
export type ShotWith = NonNullable<CameraSettings['current']>;

/** `exif` written as photographers write it; undefined when it says nothing. */
export function describeShotWith(exif: ExifSummary): ShotWith | undefined {
  const current: ShotWith = {};
  if (exif.fNumber) current.aperture = formatAperture(exif.fNumber);
  if (exif.exposureTime) current.shutter_speed = formatShutter(exif.exposureTime);
  if (exif.iso) current.iso = formatIso(exif.iso);
  if (exif.focalLength) {
    const equivalent = exif.focalLength35 && Math.round(exif.focalLength35) !== Math.round(exif.focalLength);
    current.focal_length = `${Number(exif.focalLength.toFixed(1))} mm${equivalent ? ` (${Math.round(exif.focalLength35!)} mm equiv.)` : ''}`;
  }
  if (exif.camera) current.camera = exif.camera;
  return Object.keys(current).length > 0 ? current : undefined;
}

/** Reads the photo's EXIF and describes it; undefined when there is none (screenshots, stripped uploads). */
export async function readShotWith(buffer: Buffer): Promise<ShotWith | undefined> {
  return describeShotWith(await readExif(buffer));
}
