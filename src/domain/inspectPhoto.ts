/**
 * Turns uploaded bytes into a checked `Photo`, or an AppError saying why not (SPEC §3):
 * 415 when the bytes are not a supported image format, 422 when they cannot be decoded
 * (truncated, corrupt) or declare too many pixels. The client's Content-Type is ignored; the
 * file's magic bytes decide between 415 and 422 when sharp cannot read even the header.
 * An HEVC HEIC, which sharp's prebuilt libvips cannot decode, is transcoded when a HEIC decoder
 * is given.
 */
import sharp from 'sharp';
import { AppError } from '../errors/AppError';
import { HeicDecodeError, type HeicDecoder } from './heic/createHeicDecoder';
import { transcodeHeic } from './heic/transcodeHeic';
import type { Photo, PhotoFormat } from './Photo';
import { sniffImageFormat } from './sniffImageFormat';
import { sha256Hex } from '../util/sha256Hex';
import { errorMessage } from '../util/errorMessage';
import type { Semaphore } from '../util/createSemaphore';
import { decodeWeight } from '../util/createDecodeBudget';

const FORMAT_NAMES: Record<PhotoFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  avif: 'AVIF',
  heif: 'HEIF',
};

/** What error messages offer. */
const ACCEPTED_FORMATS = 'JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC';

const MIME_TYPES: Record<PhotoFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heif',
};

export interface InspectOptions {
  /** Uploads declaring more pixels are refused before any full decode. */
  maxPixels: number;
  originalName?: string;
  /** Decodes HEVC HEIC; without one such photos get 415 saying what to send instead. */
  heicDecoder?: HeicDecoder;
  /** Stops a HEIC transcode, or the wait for a decode turn (the request's deadline); rejects with its reason. */
  signal?: AbortSignal;
  /**
   * Megapixels being decoded at once, shared with the engine's decodes: the check decode takes
   * the photo's declared megapixels from it and waits while they are not free. A decode's memory
   * grows with the pixels whatever the file's size (an 8000 × 8000 AVIF of 1 KB takes over 1 GB).
   */
  decodeBudget?: Semaphore;
}

/** Checks the bytes and measures the photo. */
export async function inspectPhoto(buffer: Buffer, options: InspectOptions): Promise<Photo> {
  if (buffer.length === 0) throw new AppError('INVALID_IMAGE', 'The uploaded file is empty');

  let metadata: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // Header only: cheap, and it tells us the format and declared size before decoding.
    metadata = await sharp(buffer, { limitInputPixels: false }).metadata();
  } catch (cause) {
    // A supported format's signature with an unreadable body is a broken image, not a foreign one.
    const announced = sniffImageFormat(buffer);
    if (announced) {
      throw new AppError('INVALID_IMAGE', `The file starts like a ${FORMAT_NAMES[announced]} image but is corrupt or truncated: ${describe(cause)}`, { cause });
    }
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `The uploaded file is not a supported image; send ${ACCEPTED_FORMATS}`, { cause });
  }

  // libvips reads AVIF through libheif and names it "heif"; the compression tells them apart.
  const format = metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : normaliseFormat(metadata.format);
  if (!format) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Images of type "${metadata.format}" are not supported; send ${ACCEPTED_FORMATS}`);
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width <= 0 || height <= 0) throw new AppError('INVALID_IMAGE', 'The image declares no dimensions');
  if (width * height > options.maxPixels) {
    throw new AppError(
      'INVALID_IMAGE',
      `The image is ${width}×${height} (${Math.round((width * height) / 1e6)} MP); at most ${Math.round(options.maxPixels / 1e6)} MP is accepted`,
    );
  }

  // HEVC is known from the header: sharp's prebuilt libvips has no decoder for it. Deciding from
  // the header, not from sharp's error text, matters: libvips keeps one error buffer per process,
  // so concurrent failures garble each other's messages.
  if (format === 'heif' && metadata.compression === 'hevc') {
    if (!options.heicDecoder) throw new AppError('UNSUPPORTED_MEDIA_TYPE', unsupportedCodecMessage(format, metadata.compression));
    return fromHeic(buffer, { icc: metadata.icc, exif: metadata.exif }, options.heicDecoder, width * height, options);
  }

  try {
    const check = () => decodeInFull(buffer, format, options.maxPixels);
    await (options.decodeBudget ? options.decodeBudget.run(check, options.signal, decodeWeight(width, height)) : check());
  } catch (cause) {
    // Given up while waiting for its turn: the request's stop reason, not a verdict on the image.
    if (options.signal?.aborted) throw cause;
    // A well-formed photo in another codec this libvips build lacks is a format we cannot take,
    // not a broken file: say so, and what to send instead.
    if (cause instanceof Error && MISSING_CODEC.test(cause.message)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', unsupportedCodecMessage(format, metadata.compression), { cause });
    }
    throw new AppError('INVALID_IMAGE', `The image could not be decoded: ${describe(cause)}`, { cause });
  }

  const rotated = (metadata.orientation ?? 1) >= 5;
  return toPhoto(buffer, options, {
    decodable: buffer,
    format,
    mimeType: MIME_TYPES[format],
    width: rotated ? height : width,
    height: rotated ? width : height,
  });
}

/** A Photo of the uploaded `buffer`: its size, hash and name, plus what the checks found. */
function toPhoto(buffer: Buffer, options: InspectOptions, found: Pick<Photo, 'decodable' | 'format' | 'mimeType' | 'width' | 'height'>): Photo {
  return {
    buffer,
    ...found,
    size: buffer.length,
    sha256: sha256Hex(buffer),
    originalName: options.originalName,
  };
}

/** An HEVC HEIC, made decodable by transcoding; its display size is the decoded one. */
async function fromHeic(buffer: Buffer, metadata: { icc?: Buffer; exif?: Buffer }, decoder: HeicDecoder, pixels: number, options: InspectOptions): Promise<Photo> {
  let transcoded: Awaited<ReturnType<typeof transcodeHeic>>;
  try {
    transcoded = await transcodeHeic(buffer, metadata, decoder, { pixels, signal: options.signal });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    const reason = cause instanceof HeicDecodeError ? cause.message : describe(cause);
    throw new AppError('INVALID_IMAGE', `The HEIC photo could not be decoded: ${reason}`, { cause });
  }
  return toPhoto(buffer, options, { decodable: transcoded.jpeg, format: 'heif', mimeType: 'image/heic', width: transcoded.width, height: transcoded.height });
}

/**
 * Decodes the whole stream at a reduced size, which finds truncation and corruption cheaply
 * (JPEG shrink-on-load still reads every entropy-coded byte); rejects with sharp's error.
 */
async function decodeInFull(buffer: Buffer, format: PhotoFormat, maxPixels: number): Promise<void> {
  const decode = (failOn: 'truncated' | 'warning') =>
    sharp(buffer, { failOn, limitInputPixels: maxPixels }).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  // A JPEG whose data stops at a marker (a cut file with an end marker written after it, or a
  // header declaring more pixels than the data holds) passes 'truncated': libjpeg only warns and
  // paints the missing rows grey. The 'warning' level sees it, but would also refuse harmless
  // quirks of real cameras' files (stray bytes before a marker), so only that warning refuses.
  if (format === 'jpeg') {
    try {
      await decode('warning');
      return;
    } catch (cause) {
      if (cause instanceof Error && MISSING_JPEG_DATA.test(cause.message)) throw cause;
    }
  }
  await decode('truncated');
}

/** libjpeg's warning when a scan's data ends before the image does. */
const MISSING_JPEG_DATA = /premature end of data segment/i;

/** libheif's answer when the file's codec has no decoder in this build. */
const MISSING_CODEC = /compression format has not been built in/i;

function unsupportedCodecMessage(format: PhotoFormat, compression: string | undefined): string {
  if (format === 'heif' && compression === 'hevc') {
    return 'This HEIC photo is HEVC-compressed, which this server cannot decode; send it as JPEG, PNG, WebP or AVIF (on an iPhone: Settings › Camera › Formats › Most Compatible)';
  }
  const codec = compression ? `${compression.toUpperCase()} compression` : 'a compression';
  return `This ${FORMAT_NAMES[format]} image uses ${codec} this server cannot decode; send JPEG, PNG, WebP or AVIF`;
}

function normaliseFormat(format: string | undefined): PhotoFormat | undefined {
  switch (format) {
    case 'jpeg':
    case 'jpg':
      return 'jpeg';
    case 'png':
    case 'webp':
    case 'gif':
    case 'tiff':
    case 'avif':
    case 'heif':
      return format;
    default:
      return undefined;
  }
}

function describe(err: unknown): string {
  const text = errorMessage(err);
  // libvips messages are multi-line; the first line is the useful one (some end in a bare colon).
  return text.split('\n')[0].trim().replace(/:$/, '') || 'unknown decoder error';
}
