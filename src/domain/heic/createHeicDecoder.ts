/**
 * Decodes HEVC-compressed HEIC photos (what iPhones take), which sharp's prebuilt libvips
 * cannot: libheif compiled to WebAssembly, run in a worker thread per photo.
 *
 * Why a worker per photo: decoding a 12 MP photo is about a second of CPU, which on the main
 * thread would stall every WebSocket broadcast and HTTP answer; and a WebAssembly heap only ever
 * grows (about 240 MB for 12 MP), so ending the worker is the only way to hand that memory back.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createSemaphore } from '../../util/createSemaphore';
import { HEIC_WORKER_SOURCE } from './heicWorkerSource';

/** A decoded image: 8-bit RGBA, rows top to bottom, HEIF transformations applied. */
export interface RgbaImage {
  width: number;
  height: number;
  /** False when the file has no alpha channel: every alpha value is then 255. */
  hasAlpha: boolean;
  data: Buffer;
}

export interface DecodeOptions {
  /** Stops the decode (the worker is stopped) or the wait for a turn; rejects with its reason. */
  signal?: AbortSignal;
  /** The photo's pixel count from its header, which sets its share of the memory budget. */
  pixels?: number;
}

export interface HeicDecoder {
  /**
   * Decodes the primary image of `heic`. Rejects with a HeicDecodeError when the file cannot
   * be decoded, or with the signal's reason when `options.signal` aborts.
   */
  decode(heic: Buffer, options?: DecodeOptions): Promise<RgbaImage>;
  /** Decodes running right now, and waiting for their turn. */
  readonly active: number;
  readonly waiting: number;
}

/** The HEIC file could not be decoded; `message` is libheif's reason. */
export class HeicDecodeError extends Error {
  override readonly name = 'HeicDecodeError';
}

export interface HeicDecoderOptions {
  /** Decodes at once, each a CPU's work. Default: one per two CPUs, at least one. */
  maxConcurrent?: number;
  /**
   * Megapixels decoding at once. A decode's memory grows with the photo (about 240 MB at 12 MP,
   * 700 MB at 48 MP, 1.4 GB at 100 MP), so the cap is on pixels, not only on decodes; a photo
   * larger than the budget decodes alone. Default 48 (one 48 MP photo, or four of 12 MP).
   */
  maxMegapixels?: number;
}

/** Creates a decoder; it holds no worker between decodes, so there is nothing to close. */
export function createHeicDecoder(options: HeicDecoderOptions = {}): HeicDecoder {
  const slots = createSemaphore(options.maxConcurrent ?? Math.max(1, Math.floor(availableParallelism() / 2)));
  const megapixels = createSemaphore(options.maxMegapixels ?? 48);
  const libheifPath = require.resolve('libheif-js/wasm-bundle');

  return {
    decode: (heic, { signal, pixels } = {}) =>
      megapixels.run(() => slots.run(() => decodeInWorker(heic, libheifPath, signal), signal), signal, (pixels ?? 0) / 1e6),
    get active() {
      return slots.active;
    },
    get waiting() {
      return megapixels.waiting + slots.waiting;
    },
  };
}

interface WorkerAnswer {
  width?: number;
  height?: number;
  hasAlpha?: boolean;
  data?: ArrayBuffer;
  error?: string;
}

function decodeInWorker(heic: Buffer, libheifPath: string, signal?: AbortSignal): Promise<RgbaImage> {
  signal?.throwIfAborted();
  return new Promise<RgbaImage>((resolve, reject) => {
    // No inherited execArgv: a `-r ts-node/register` there would cost each worker a quarter second.
    const worker = new Worker(HEIC_WORKER_SOURCE, { eval: true, execArgv: [], workerData: { heic, libheifPath } });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = (): void => settle(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.once('message', (answer: WorkerAnswer) => {
      if (answer.error !== undefined || !answer.data || !answer.width || !answer.height) {
        settle(() => reject(new HeicDecodeError(answer.error ?? 'the decoder returned no image')));
        return;
      }
      const image = { width: answer.width, height: answer.height, hasAlpha: answer.hasAlpha !== false, data: Buffer.from(answer.data) };
      settle(() => resolve(image));
    });
    // Out of WebAssembly memory and the like: the worker dies, the process does not.
    worker.once('error', (err) => settle(() => reject(new HeicDecodeError(err.message))));
    worker.once('exit', (code) => settle(() => reject(new HeicDecodeError(`the decoder stopped (exit code ${code})`))));
  });
}
