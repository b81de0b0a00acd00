/**
 * Connects with a real `ws` client and resolves with how the server closed the connection —
 * for connections the server is expected to refuse (createWsClient would wait for a greeting).
 */
import WebSocket from 'ws';

export function closeOf(url: string, options: WebSocket.ClientOptions = {}): Promise<{ code: number; reason: string; messages: string[] }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options);
    const messages: string[] = [];
    socket.on('message', (data) => messages.push((data as Buffer).toString()));
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), messages }));
  });
}
