import type { ClientSocket } from '../../../src/ws/createEventHub';

/** A socket that records what it is sent and how it is closed; `failSends` makes send throw. */
export function memorySocket(failSends = false) {
  const sent: string[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  const socket: ClientSocket = {
    send(data) {
      if (failSends && sent.length > 0) throw new Error('write after end');
      sent.push(data.toString('utf8'));
    },
    bufferedAmount: 0,
    close(code, reason) {
      closes.push({ code, reason });
    },
  };
  return { socket, sent, closes };
}
