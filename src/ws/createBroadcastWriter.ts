/**
 * Writes one text message to many `ws` connections with the WebSocket frame built once.
 *
 * Why: a broadcast sends the same bytes to every client. Through `WebSocket#send` each
 * recipient costs a frame header allocation, option handling and a cork/uncork writev; with
 * the frame prepared once, each recipient is one `socket.write` of a shared buffer. In the
 * benchmark (A/B on the same machine) this cut the fan-out time to 10,000 clients by about
 * 15 %; what remains is mostly the kernel's own cost of a loopback TCP write
 * (docs/benchmarks.md).
 *
 * Frames are written straight to the connection's TCP socket only when `ws` itself would
 * write at once: the connection is OPEN, and `ws`'s sender has nothing queued (it queues only
 * while compressing or reading a Blob; this server disables compression and never sends
 * Blobs). Otherwise the message goes through `WebSocket#send`, so frame order is always kept.
 * The bytes still count in `bufferedAmount` (the socket's write queue), so the slow-consumer
 * cap works the same.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** The `ws` internals this relies on (ws 8): the TCP socket and the sender's queue state. */
interface WebSocketInternals {
  _socket?: Socket | null;
  _sender?: { _state?: number; _queue?: unknown[] } | null;
}

/** ws 8's Sender state when it writes synchronously (nothing being compressed or read). */
const SENDER_IDLE = 0;

export interface BroadcastWriter {
  /** Sends `data` (UTF-8 JSON) to `socket` as one text message. */
  send(socket: WebSocket, data: Buffer): void;
}

/**
 * A writer with a one-entry frame cache: the hub hands every recipient of an event the same
 * Buffer, so the frame is built for the first recipient and reused for the rest. The cache
 * is dropped once the current turn of the event loop ends, so an image is not kept alive.
 */
export function createBroadcastWriter(): BroadcastWriter {
  let lastData: Buffer | undefined;
  let lastFrame: Buffer | undefined;

  const frameFor = (data: Buffer): Buffer => {
    if (data !== lastData || !lastFrame) {
      if (!lastData) queueMicrotask(() => {
        lastData = undefined;
        lastFrame = undefined;
      });
      lastFrame = frameText(data);
      lastData = data;
    }
    return lastFrame;
  };

  return {
    send(socket, data) {
      const internals = socket as unknown as WebSocketInternals;
      const raw = internals._socket;
      const sender = internals._sender;
      const direct =
        socket.readyState === WebSocket.OPEN &&
        raw != null &&
        !raw.destroyed &&
        raw.writable &&
        sender != null &&
        sender._state === SENDER_IDLE &&
        (sender._queue === undefined || sender._queue.length === 0);
      if (direct) raw.write(frameFor(data));
      else socket.send(data, { binary: false });
    },
  };
}

/** One unmasked, unfragmented text frame (RFC 6455 §5.2) holding `payload`. */
export function frameText(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}
