/**
 * Per-photo work shared by all stages of one request: one decode, one measurement, one EXIF read,
 * held in a WeakMap keyed by the Photo object, so it is freed with the request.
 */
import type { Photo } from '../../domain/Photo';
import { EngineError } from '../../errors/EngineError';
import { decodeBase, type BaseImage, type DecodeOptions } from './decodeBase';
import { measurePhoto } from './measurePhoto';
import { messageOf } from './messageOf';
import type { PhotoMetrics } from './PhotoMetrics';
import { readExif, type ExifSummary } from '../../domain/readExif';
import type { Semaphore } from '../../util/createSemaphore';
import { decodeWeight } from '../../util/createDecodeBudget';
import { shareUntilAbandoned } from '../../util/shareUntilAbandoned';

/**
 * A stage passes its signal: the decode and measurement go on while any stage still waits on
 * them, and leave the decode budget's and pixel slots' queues once every one has stopped.
 */
export interface PhotoWork {
  base(signal?: AbortSignal): Promise<BaseImage>;
  metrics(signal?: AbortSignal): Promise<PhotoMetrics>;
  exif(): Promise<ExifSummary>;
}

export interface PhotoCache {
  get(photo: Photo): PhotoWork;
  /** Forgets everything (engine close). */
  clear(): void;
}

export interface PhotoCacheOptions extends DecodeOptions {
  /** Decodes, measurements and renders at once: each decode and measurement takes a slot. */
  pixelWork: Semaphore;
  /** Megapixels being decoded at once: a decode first takes the photo's megapixels from it. */
  decodeBudget: Semaphore;
}

/** A cache decoding with `options`. Each engine instance owns one. */
export function createPhotoCache(options: PhotoCacheOptions): PhotoCache {
  let entries = new WeakMap<Photo, PhotoWork>();
  return {
    get(photo) {
      let work = entries.get(photo);
      if (!work) {
        work = createWork(photo, options);
        entries.set(photo, work);
      }
      return work;
    },
    clear() {
      entries = new WeakMap();
    },
  };
}

function createWork(photo: Photo, options: PhotoCacheOptions): PhotoWork {
  // The budget before the slot: a decode waiting for megapixels holds no slot a render could use.
  const base = shareUntilAbandoned((signal) =>
    options.decodeBudget
      .run(() => options.pixelWork.run(() => decodeBase(photo.decodable, options), signal), signal, decodeWeight(photo.width, photo.height))
      .catch((cause: unknown) => {
        if (signal.aborted) throw cause;
        throw new EngineError(`The photo could not be decoded: ${messageOf(cause)}`, { cause, retryable: false });
      }),
  );
  const metrics = shareUntilAbandoned((signal) =>
    base(signal).then((b) =>
      options.pixelWork.run(() => measurePhoto(b), signal).catch((cause: unknown) => {
        if (signal.aborted) throw cause;
        throw new EngineError(`Measuring the photo failed: ${messageOf(cause)}`, { cause, retryable: false });
      }),
    ),
  );
  const exif = once(() => readExif(photo.decodable));
  return { base, metrics, exif };
}

/** Memoises an async producer; the stored promise never counts as an unhandled rejection. */
function once<T>(produce: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    if (!promise) {
      promise = produce();
      promise.catch(() => undefined);
    }
    return promise;
  };
}
