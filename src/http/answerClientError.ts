import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, type ErrorCode } from '../errors/errorCodes';
import type { CorsPolicy } from './createCorsPolicy';

/** What Node's parser refused, as a row of the error table and a message for the client. */
function describe(err: NodeJS.ErrnoException): { code: ErrorCode; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE', message: `The request line and headers exceed ${http.maxHeaderSize} bytes; shorten the URL or the headers` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'FILE_TOO_LARGE', message: 'The chunk extensions of the request body are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'UPLOAD_TIMEOUT', message: 'The request did not arrive in time' };
    default:
      return { code: 'MALFORMED_REQUEST', message: 'The request is not valid HTTP' };
  }
}

/**
 * The Origin header among the bytes the parser had read (`rawPacket`), if it got that far: a
 * refused request never reaches the CORS middleware, and a page that cannot read the refusal
 * sees only a network error.
 */
function originIn(rawPacket: unknown): string | undefined {
  if (!Buffer.isBuffer(rawPacket)) return undefined;
  return /\r\norigin:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(rawPacket.toString('latin1'))?.[1];
}

/**
 * The HTTP server's `clientError` listener: what Node refuses before Express sees a request
 * (headers or URL too large, unparsable bytes, request timeout) is answered with the same
 * `{ success: false, error: { code, message } }` JSON as every other error, where Node's own
 * handler sends a bare status line a client cannot parse. Like Node's, it writes nothing once a
 * response has started on the socket (that would corrupt it) and always closes the connection.
 * With `cors`, the answer carries the CORS headers a page needs to read it.
 */
export function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex, cors?: CorsPolicy): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { code, message } = describe(err);
  const status = ERROR_CODES[code];
  const body = JSON.stringify({ success: false, error: { code, message } });
  const allowOrigin = cors?.allowOriginFor(originIn(err.rawPacket));
  socket.end(
    [
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Cache-Control: no-store',
      ...(allowOrigin ? [`Access-Control-Allow-Origin: ${allowOrigin}`] : []),
      ...(cors?.variesByOrigin ? ['Vary: Origin'] : []),
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}
