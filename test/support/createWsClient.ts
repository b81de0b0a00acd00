/**
 * A real `ws` client that records every message, for asserting what the server sent.
 */
import WebSocket from 'ws';

export interface ReceivedMessage {
  type: string;
  [key: string]: unknown;
}

export interface WsClient {
  socket: WebSocket;
  messages: ReceivedMessage[];
  connectionId: string;
  /** Resolves with the first message (already received or future) matching `predicate`. */
  waitFor(predicate: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Connects and waits for `connection_established`. */
export async function createWsClient(url: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
  const socket = new WebSocket(url, options);
  const messages: ReceivedMessage[] = [];
  const waiters = new Set<{ predicate: (m: ReceivedMessage) => boolean; resolve: (m: ReceivedMessage) => void }>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on('message', (data) => {
    const message = JSON.parse((data as Buffer).toString()) as ReceivedMessage;
    messages.push(message);
    for (const waiter of waiters) {
      if (waiter.predicate(message)) {
        waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  });
  socket.on('error', () => undefined);

  const waitFor = (predicate: (m: ReceivedMessage) => boolean, timeoutMs = 20_000) => {
    const existing = messages.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise<ReceivedMessage>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (m: ReceivedMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`Timed out waiting for a message; got: ${messages.map((m) => m.type).join(', ')}`));
      }, timeoutMs);
      // A closed socket will never deliver: don't keep the timer (and jest) alive for nothing.
      void closed.then(({ code, reason }) => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        const got = messages.map((m) => m.type).join(', ');
        reject(Object.assign(new Error(`closed (${code} ${reason}) while waiting; got: ${got}`), { code, reason }));
      });
      waiters.add(waiter);
    });
  };

  // Rejects with the close code and reason when the server closes before greeting.
  const hello = await waitFor((m) => m.type === 'connection_established');
  return {
    socket,
    messages,
    connectionId: hello.connectionId as string,
    waitFor,
    closed,
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close();
      // A paused or half-dead socket never finishes the close handshake: cut it.
      const timer = setTimeout(() => socket.terminate(), 1000);
      await closed;
      clearTimeout(timer);
    },
  };
}
