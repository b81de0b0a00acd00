import WebSocket from 'ws';
import type { ServerMessage } from '../../src/events/eventSchemas';
import { EXIT, Failure } from './Failure';
import { parseMessage } from './parseMessage';

const CONNECT_TIMEOUT_MS = 10_000;

/** An open event stream: its socket, the connectionId the server gave it, and how to end it. */
export interface EventStream {
  socket: WebSocket;
  connectionId: string;
  /** Rejects if the socket closes before `close()` is called. */
  dropped: Promise<never>;
  close(): Promise<void>;
}

/**
 * Connects and resolves once `connection_established` arrives; every later message goes to
 * `onMessage`. `signal` aborting first (the overall deadline) rejects and ends the socket.
 */
export function openEventStream(url: string, token: string | undefined, onMessage: (message: ServerMessage) => void, signal: AbortSignal): Promise<EventStream> {
  const target = new URL(url);
  if (token) target.searchParams.set('token', token);
  const socket = new WebSocket(target, { handshakeTimeout: CONNECT_TIMEOUT_MS });
  let closing = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const dropped = closed.then(({ code, reason }): never => {
    throw new Failure(`WebSocket closed before processing finished (code ${code}${reason ? `: ${reason}` : ''})`, EXIT.failed);
  });
  dropped.catch(() => undefined); // observed where it matters; never an unhandled rejection

  return new Promise<EventStream>((resolve, reject) => {
    const fail = (failure: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.terminate();
      // Settles once the socket is really gone, so a caller that waits for it leaves nothing open.
      void closed.then(() => reject(failure));
    };
    // Without this, a deadline hit mid-handshake would leave the socket and its timer running.
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => fail(new Failure(`No connection_established from ${url} within ${CONNECT_TIMEOUT_MS / 1000}s`, EXIT.unreachable)), CONNECT_TIMEOUT_MS);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? 'connection refused — is the server running (npm start)?' : err.message;
      fail(new Failure(`Cannot connect to the WebSocket server at ${url}: ${why}`, EXIT.unreachable));
    });
    void closed.then(({ code, reason }) => {
      if (closing) return;
      const hint = code === 1008 ? ' (set WS_AUTH_TOKEN or --token)' : '';
      fail(new Failure(`The WebSocket server closed the connection: ${code} ${reason}${hint}`, EXIT.unreachable));
    });
    socket.on('message', (data) => {
      const message = parseMessage((data as Buffer).toString());
      if (!message) return;
      if (message.type === 'connection_established') {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({
          socket,
          connectionId: message.connectionId,
          dropped,
          async close() {
            if (closing) return;
            closing = true;
            if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000, 'done');
            // A server that never answers the close frame must not keep us alive.
            const forced = setTimeout(() => socket.terminate(), 2_000);
            await closed;
            clearTimeout(forced);
          },
        });
      } else onMessage(message);
    });
  });
}
