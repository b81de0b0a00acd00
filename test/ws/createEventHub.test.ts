/**
 * The transport-agnostic hub over in-memory sockets (its own tiny socket interface): one
 * failing connection never hurts the others, and is closed rather than left dangling.
 */
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createLogger } from '../../src/logging/createLogger';
import { CLOSE_CODES } from '../../src/ws/closeCodes';
import { createEventHub, type ClientSocket } from '../../src/ws/createEventHub';

const logger = createLogger({ level: 'silent' });

/** A socket that records what it is sent and how it is closed; `failSends` makes send throw. */
function memorySocket(failSends = false) {
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

const event = (message: string): PipelineEvent => ({
  type: 'analysis_started',
  requestId: 'req_1758260128188_zfubq1yiv',
  message,
  timestamp: new Date().toISOString(),
});

describe('createEventHub', () => {
  it('closes a client whose send throws with 1011 and keeps delivering to the others', () => {
    const hub = createEventHub({ logger });
    const healthy = memorySocket();
    const broken = memorySocket(true);
    hub.connect(healthy.socket);
    const brokenId = hub.connect(broken.socket);

    hub.deliver(event('first'));
    hub.deliver(event('second'));

    expect(hub.has(brokenId)).toBe(false);
    expect(broken.closes).toEqual([{ code: CLOSE_CODES.SERVER_ERROR, reason: 'Internal error' }]);
    expect(hub.stats().connections).toBe(1);
    // connection_established, then both events.
    const received = healthy.sent.map((m) => JSON.parse(m) as { type: string; message?: string });
    expect(received.map((m) => m.type)).toEqual(['connection_established', 'analysis_started', 'analysis_started']);
    expect(received.slice(1).map((m) => m.message)).toEqual(['first', 'second']);
    expect(healthy.closes).toEqual([]);
  });
});
