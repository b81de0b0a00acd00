/**
 * Reads the exposure a photo was shot with from its EXIF. Missing or corrupt metadata is
 * normal (screenshots, stripped uploads, PNGs) and yields an empty summary, never an error.
 */
import exifr from 'exifr';
import { pngExifChunk } from './pngExifChunk';
import { sniffImageFormat } from './sniffImageFormat';

/** Numeric shooting data; every field optional and, when present, finite and positive. */
export interface ExifSummary {
  fNumber?: number;
  /** Seconds. */
  exposureTime?: number;
  iso?: number;
  /** Millimetres, as recorded / as 35 mm equivalent. */
  focalLength?: number;
  focalLength35?: number;
  camera?: string;
}

const TAGS = [
  'FNumber',
  'ExposureTime',
  'ISO',
  'ISOSpeedRatings',
  'PhotographicSensitivity',
  'FocalLength',
  'FocalLengthIn35mmFormat',
  'Make',
  'Model',
];

/**
 * One options object for every call: exifr caches parsed options in a Map keyed by the object,
 * so a fresh literal per call would grow that cache by ~10 KB a request, forever.
 */
const EXIFR_OPTIONS = Object.freeze({ pick: TAGS });

/** The EXIF summary of `buffer`; `{}` when there is none or it cannot be read. */
export async function readExif(buffer: Buffer): Promise<ExifSummary> {
  // A PNG's EXIF is handed over alone: exifr would inflate its ICC profile, however large.
  const source = sniffImageFormat(buffer) === 'png' ? pngExifChunk(buffer) : buffer;
  if (!source) return {};
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(source, EXIFR_OPTIONS)) as Record<string, unknown> | undefined;
  } catch {
    return {};
  }
  if (!tags || typeof tags !== 'object') return {};
  const summary: ExifSummary = {};
  const fNumber = positive(tags.FNumber, 0.5, 128);
  if (fNumber !== undefined) summary.fNumber = fNumber;
  const exposureTime = positive(tags.ExposureTime, 1e-6, 3600);
  if (exposureTime !== undefined) summary.exposureTime = exposureTime;
  const iso = positive(first(tags.ISO) ?? first(tags.ISOSpeedRatings) ?? first(tags.PhotographicSensitivity), 1, 10_000_000);
  if (iso !== undefined) summary.iso = iso;
  const focalLength = positive(tags.FocalLength, 0.5, 5000);
  if (focalLength !== undefined) summary.focalLength = focalLength;
  const focalLength35 = positive(tags.FocalLengthIn35mmFormat, 1, 5000);
  if (focalLength35 !== undefined) summary.focalLength35 = focalLength35;
  const camera = cameraName(tags.Make, tags.Model);
  if (camera) summary.camera = camera;
  return summary;
}

/** "Canon" + "Canon EOS R5" → "Canon EOS R5"; control characters and padding removed. */
function cameraName(make: unknown, model: unknown): string | undefined {
  const clean = (v: unknown) =>
    // Control characters are stripped on purpose: EXIF strings are untrusted and end up in logs and UIs.
    // eslint-disable-next-line no-control-regex
    typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f]/g, '').replace(/\s+/g, ' ').trim().slice(0, 80) : '';
  const m = clean(make);
  const n = clean(model);
  const name = n.toLowerCase().startsWith(m.toLowerCase()) ? n : `${m} ${n}`.trim();
  return name || undefined;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function positive(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}
