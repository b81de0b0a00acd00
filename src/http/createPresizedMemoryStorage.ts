import type { Request } from 'express';
import type multer from 'multer';

/**
 * A multer storage engine that keeps the file in memory, like `multer.memoryStorage()`, but
 * copies it as it arrives into one buffer sized from the request's Content-Length (capped at
 * `maxBytes`). memoryStorage collects the chunks and concatenates them at the end, so every
 * upload briefly sits in memory twice — with several large uploads at once, that doubling is
 * the peak. Without a usable Content-Length (chunked requests) it falls back to chunks + concat.
 */
export function createPresizedMemoryStorage(options: { maxBytes: number }): multer.StorageEngine {
  return {
    _handleFile(req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
      const declared = Number(req.headers['content-length']);
      // The file is smaller than the whole body, and busboy stops it at the limit.
      const capacity = Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, options.maxBytes) : 0;
      let buffer: Buffer | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (error: unknown, info?: Partial<Express.Multer.File>) => {
        if (done) return;
        done = true;
        cb(error, info);
      };

      file.stream.on('data', (chunk: Buffer) => {
        // Zero-filled so the spare tail never exposes old memory; the pages are only touched as written.
        if (!buffer && chunks.length === 0 && capacity > 0) buffer = Buffer.alloc(capacity);
        if (buffer && size + chunk.length <= buffer.length) {
          chunk.copy(buffer, size);
        } else {
          if (buffer) {
            chunks.push(buffer.subarray(0, size));
            buffer = undefined;
          }
          chunks.push(chunk);
        }
        size += chunk.length;
      });
      file.stream.on('error', (err: Error) => finish(err));
      file.stream.on('end', () => {
        const data = buffer ? buffer.subarray(0, size) : Buffer.concat(chunks, size);
        finish(null, { buffer: data, size });
      });
    },

    _removeFile(_req: Request, file: Express.Multer.File, cb: (error: Error | null) => void): void {
      delete (file as { buffer?: Buffer }).buffer;
      cb(null);
    },
  };
}
