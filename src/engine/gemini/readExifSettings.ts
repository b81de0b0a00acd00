import exifr from 'exifr';

/** The exposure a photo was shot with, as photographers write it; every field optional. */
export interface ExifSettings {
  aperture?: string;
  shutter_speed?: string;
  iso?: string;
  focal_length?: string;
  camera?: string;
}

/**
 * One options object for every call: exifr caches parsed options in a Map keyed by the object,
 * so a fresh literal per call would grow that cache by ~10 KB a request, forever.
 */
const EXIFR_OPTIONS = Object.freeze({
  pick: ['FNumber', 'ExposureTime', 'ISO', 'ISOSpeedRatings', 'FocalLength', 'Make', 'Model'],
});

/**
 * Reads the shooting settings from the photo's EXIF. Returns undefined when there are none
 * or the metadata cannot be read: missing EXIF is normal (screenshots, stripped uploads).
 */
export async function readExifSettings(buffer: Buffer): Promise<ExifSettings | undefined> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(buffer, EXIFR_OPTIONS);
  } catch {
    return undefined;
  }
  if (!tags) return undefined;
  const settings: ExifSettings = {};
  const fNumber = num(tags.FNumber);
  if (fNumber) settings.aperture = `f/${round(fNumber, 1)}`;
  const exposure = num(tags.ExposureTime);
  if (exposure) settings.shutter_speed = exposure >= 1 ? `${round(exposure, 1)}` : `1/${Math.round(1 / exposure)}`;
  const iso = num(tags.ISO) ?? num(Array.isArray(tags.ISOSpeedRatings) ? tags.ISOSpeedRatings[0] : tags.ISOSpeedRatings);
  if (iso) settings.iso = String(Math.round(iso));
  const focal = num(tags.FocalLength);
  if (focal) settings.focal_length = `${round(focal, 0)} mm`;
  const make = typeof tags.Make === 'string' ? tags.Make.trim() : '';
  const model = typeof tags.Model === 'string' ? tags.Model.trim() : '';
  const camera = model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`.trim();
  if (camera) settings.camera = camera;
  return Object.keys(settings).length > 0 ? settings : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function round(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}
