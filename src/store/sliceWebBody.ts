/**
 * A fetch answer's body as a Node stream of one slice of it, for `openAttachmentStream`.
 */
import { Readable } from 'node:stream';
import { CouchError } from './CouchClient';
import { errorMessage } from '../util/errorMessage';

export interface SliceOptions {
  /** Bytes of the body to drop before the slice (0 when the server sent the range itself). */
  skip: number;
  /** Bytes of the slice: the stream ends after them, or fails when the body ends before. */
  take: number;
  /** Longest wait for the server's next bytes, while the reader is asking for them. */
  idleTimeoutMs: number;
  /** Aborts the call the body belongs to; aborted when the stream ends, fails or is destroyed. */
  call: AbortController;
}

/**
 * Bytes `skip` to `skip + take` of `body`. Bytes are asked of the server only when the reader
 * wants more, so a slow client holds the server back (backpressure) without that counting as a
 * stall; a wait of more than `idleTimeoutMs` does count. Once the slice is read, the rest of the
 * body is not downloaded.
 */
export function sliceWebBody(body: ReadableStream<Uint8Array>, options: SliceOptions): Readable {
  const reader = body.getReader();
  const { idleTimeoutMs, call } = options;
  let skip = options.skip;
  let left = options.take;
  let stalled = false;

  async function waitForBytes(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const timer = setTimeout(() => {
      stalled = true;
      call.abort(new Error(`no attachment bytes for ${idleTimeoutMs} ms`));
    }, idleTimeoutMs);
    try {
      return await reader.read();
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next bytes of the slice, or null past its end. */
  async function next(): Promise<Buffer | null> {
    while (left > 0) {
      const chunk = await waitForBytes();
      if (chunk.done) throw new CouchError(`CouchDB ended the attachment ${left} bytes short`);
      const bytes = Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength);
      if (skip >= bytes.length) {
        skip -= bytes.length;
        continue;
      }
      const slice = bytes.subarray(skip, skip + left);
      skip = 0;
      left -= slice.length;
      return slice;
    }
    return null;
  }

  return new Readable({
    read() {
      next().then(
        (bytes) => this.push(bytes),
        (err: unknown) => {
          if (err instanceof CouchError) return this.destroy(err);
          const why = stalled ? `sent no attachment bytes for ${idleTimeoutMs} ms` : `stopped sending the attachment: ${errorMessage(err)}`;
          this.destroy(new CouchError(`CouchDB ${why}`, { cause: err }));
        },
      );
    },
    // Ended, failed or given up by its reader: the call ends (a no-op once the body was all read).
    destroy(err, callback) {
      call.abort();
      callback(err);
    },
  });
}
