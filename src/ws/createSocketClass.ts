/**
 * The `ws` WebSocket class the event server accepts connections with. When an inbound frame or
 * message passes `maxPayload`, `ws`'s own receiver closes the connection with 1009 and an empty
 * reason; this class adds a reason the client can read, naming the limit.
 */
import WebSocket from 'ws';
import { CLOSE_CODES } from './closeCodes';

/**
 * A subclass of `ws`'s WebSocket (for `WebSocketServer`'s `WebSocket` option) whose reasonless
 * 1009 close says "Message too big (limit N bytes)".
 */
export function createSocketClass(maxPayloadBytes: number): typeof WebSocket {
  const reason = `Message too big (limit ${maxPayloadBytes} bytes)`;
  return class EventSocket extends WebSocket {
    override close(code?: number, data?: string | Buffer): void {
      // Only the words change: ws has already stopped reading the message, so the limit holds.
      if (code === CLOSE_CODES.MESSAGE_TOO_BIG && (data === undefined || data.length === 0)) super.close(code, reason);
      else super.close(code, data);
    }
  };
}
