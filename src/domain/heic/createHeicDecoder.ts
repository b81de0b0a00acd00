/**
 * Decodes HEVC-compressed HEIC photos (what iPhones take), which sharp's prebuilt libvips
 * cannot: libheif compiled to WebAssembly, run in a worker thread per photo.
 *
 * Why a worker per photo: decoding a 12 MP photo is about a second of CPU, which on the main
 * thread would stall every WebSocket broadcast and HTTP answer; and a WebAssembly heap only ever
 * grows (about 200 MB for 12 MP), so ending the worker is the only way to hand that memory back.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createSemaphore } from '../../util/createSemaphore';
import { HEIC_WORKER_SOURCE } from './heicWorkerSource';

/** A decoded image: 8-bit RGBA, rows top to bottom, HEIF transformations applied. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Buffer;
}

export interface HeicDecoder {
  /**
   * Decodes the primary image of `heic`. Rejects with a HeicDecodeError when the file cannot
   * be decoded, or with the signal's reason when `signal` aborts (the worker is stopped).
   */
  decode(heic: Buffer, signal?: AbortSignal): Promise<RgbaImage>;
  /** Decodes running right now, and waiting for a slot. */
  readonly active: number;
  readonly waiting: number;
}

/** The HEIC file could not be decoded; `message` is libheif's reason. */
export class HeicDecodeError extends Error {
  override readonly name = 'HeicDecodeError';
}

export interface HeicDecoderOptions {
  /** Decodes at once; each holds ~200 MB at 12 MP. Default: one per two CPUs, at least one. */
  maxConcurrent?: number;
}

/** Creates a decoder; it holds no worker between decodes, so there is nothing to close. */
export function createHeicDecoder(options: HeicDecoderOptions = {}): HeicDecoder {
  const slots = createSemaphore(options.maxConcurrent ?? Math.max(1, Math.floor(availableParallelism() / 2)));
  const libheifPath = require.resolve('libheif-js/wasm-bundle');

  return {
    decode: (heic, signal) => slots.run(() => decodeInWorker(heic, libheifPath, signal), signal),
    get active() {
      return slots.active;
    },
    get waiting() {
      return slots.waiting;
    },
  };
}

interface WorkerAnswer {
  width?: number;
  height?: number;
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
      const image = { width: answer.width, height: answer.height, data: Buffer.from(answer.data) };
      settle(() => resolve(image));
    });
    // Out of WebAssembly memory and the like: the worker dies, the process does not.
    worker.once('error', (err) => settle(() => reject(new HeicDecodeError(err.message))));
    worker.once('exit', (code) => settle(() => reject(new HeicDecodeError(`the decoder stopped (exit code ${code})`))));
  });
}
